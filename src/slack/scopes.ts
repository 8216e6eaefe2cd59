/**
 * The bot token scopes manifest.yml (and manifest.socket-mode.yml) ask for, and what each is for.
 * `cartwatch doctor` compares a token's granted scopes with these; a test keeps both manifests
 * listing exactly these.
 */
export const BOT_SCOPES: Readonly<Record<string, string>> = {
  commands: '/cart-status',
  'chat:write': 'posting and updating exception messages',
  'chat:write.public': 'posting to public channels without joining them',
  'channels:history': 'finding a post whose reply was lost (public channels)',
  'groups:history': 'finding a post whose reply was lost (private channels)',
  'channels:read': 'checking team channels (cartwatch doctor, and at start)',
  'groups:read': 'checking private team channels (cartwatch doctor, and at start)',
  'users:read': "people's names in messages",
  'usergroups:read': 'teams whose members or mention name a user group',
};

/** Socket Mode's app-level token needs this one. */
export const APP_TOKEN_SCOPE = 'connections:write';
