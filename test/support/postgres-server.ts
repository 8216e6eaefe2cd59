// The throwaway server lives in tools/ because the bench starts one too.
export * from '../../tools/postgres-server.js';
