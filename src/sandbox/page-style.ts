/** The sandbox page's look: Slack's layout in plain CSS, down to a phone's width. */
export const SANDBOX_STYLE = `
  * { box-sizing: border-box; }
  body { margin: 0; height: 100vh; height: 100dvh; display: grid; grid-template-columns: 15rem minmax(0, 1fr); color: #1d1c1d;
    font: 15px/1.46 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif, "Noto Color Emoji", "Apple Color Emoji", "Segoe UI Emoji"; }
  button, select, input, textarea { font: inherit; }
  :focus-visible { outline: 3px solid #1264a3; outline-offset: 1px; }
  nav { background: #3f0e40; color: #fff; padding: .8rem .6rem; overflow-y: auto; }
  nav h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #cfc3cf; margin: 1rem .4rem .3rem; }
  nav .workspace { font-weight: 700; font-size: 1.05rem; padding: 0 .4rem; }
  nav button { display: block; width: 100%; text-align: left; background: none; color: #e8dfe8; border: 0; padding: .3rem .5rem; cursor: pointer; border-radius: 6px; }
  nav button:hover { background: #350d36; }
  nav button[aria-current="page"] { background: #1164a3; color: #fff; font-weight: 600; }
  main { display: grid; grid-template-rows: auto minmax(0, 1fr) auto; min-width: 0; overflow: hidden; }
  header { padding: .5rem 1rem; border-bottom: 1px solid #ddd; display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: center; }
  header h1 { font-size: 1.1rem; margin: 0; flex: 1 1 auto; min-width: 0; overflow-wrap: anywhere; }
  header label { font-size: .9rem; color: #555; }
  #nav-toggle { display: none; background: none; border: 1px solid #ccc; border-radius: 6px; padding: .2rem .6rem; cursor: pointer; }
  #messages { overflow-y: auto; padding: .5rem 1rem 1rem; }
  .message { padding: .5rem .6rem; margin: 0 -.6rem .3rem; border-radius: 6px; }
  .message:hover { background: #f8f8f8; }
  .message.ephemeral { background: #fffbe6; border: 1px dashed #e0c200; }
  .message.fresh { animation: fresh 2s ease-out; }
  @keyframes fresh { from { background: #fff2a8; } }
  .only-you { color: #616061; font-size: .8rem; }
  .sender { display: flex; align-items: baseline; gap: .4rem; flex-wrap: wrap; }
  .sender strong { font-weight: 800; }
  .app-badge { font-size: .65rem; font-weight: 700; color: #616061; background: #e8e8e8; border-radius: 3px; padding: 0 .25rem; }
  .sender time, .muted { color: #616061; font-size: .78rem; }
  .block-header { font-weight: 800; font-size: 1.05rem; margin: .2rem 0; }
  .text { white-space: pre-wrap; overflow-wrap: anywhere; margin: .15rem 0; }
  .text code, .context code { font: .85em ui-monospace, monospace; background: #f6f6f6; border: 1px solid #e1e1e1; border-radius: 3px; padding: 0 .2rem; color: #c01343; }
  .quote { display: block; border-left: 4px solid #ddd; padding-left: .6rem; margin: .15rem 0; }
  .mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 .1rem; }
  .fields { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .15rem 1rem; margin: .3rem 0; }
  .context { color: #616061; font-size: .82rem; margin: .2rem 0; overflow-wrap: anywhere; }
  hr { border: 0; border-top: 1px solid #e5e5e5; }
  .actions { display: flex; gap: .4rem; flex-wrap: wrap; margin-top: .4rem; align-items: flex-start; }
  .btn { padding: .2rem .75rem; border: 1px solid #bbb; border-radius: 6px; background: #fff; cursor: pointer; font-weight: 600; font-size: .9rem; }
  .btn:hover { background: #f4f4f4; }
  .btn.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
  .btn.danger { background: #e01e5a; color: #fff; border-color: #e01e5a; }
  .menu { position: relative; }
  .menu-list { position: absolute; z-index: 5; top: 100%; right: 0; min-width: 13rem; background: #fff; border: 1px solid #ccc; border-radius: 8px; box-shadow: 0 4px 14px rgba(0,0,0,.15); padding: .3rem 0; }
  .menu-list[hidden] { display: none; }
  .menu-list button { display: block; width: 100%; text-align: left; background: none; border: 0; padding: .35rem .9rem; cursor: pointer; }
  .menu-list button:hover, .menu-list button:focus { background: #1264a3; color: #fff; outline: none; }
  .thread-summary { margin-top: .3rem; }
  .replies { background: none; border: 0; padding: 0; color: #1264a3; font-weight: 700; cursor: pointer; font-size: .85rem; }
  .thread { margin: .4rem 0 0 .4rem; border-left: 3px solid #ddd; padding-left: .7rem; }
  .reply { margin-bottom: .5rem; }
  .edited { color: #999; font-size: .75rem; }
  footer { border-top: 1px solid #ddd; padding: .6rem 1rem; display: flex; gap: .5rem; }
  footer input { flex: 1; min-width: 0; padding: .35rem .5rem; border: 1px solid #bbb; border-radius: 6px; }
  footer button { padding: .3rem .9rem; }
  #toast { position: fixed; right: 1rem; bottom: 4.5rem; max-width: calc(100vw - 2rem); background: #1d1c1d; color: #fff; border-radius: 8px; padding: .5rem .8rem; display: flex; gap: .6rem; align-items: center; }
  #toast[hidden] { display: none; }
  #toast button { background: #fff; color: #1d1c1d; border: 0; border-radius: 4px; padding: .1rem .6rem; cursor: pointer; font-weight: 600; }
  dialog { width: min(34rem, calc(100vw - 1.5rem)); max-height: calc(100dvh - 2rem); padding: 1rem 1.1rem; border: 1px solid #bbb; border-radius: 10px; overflow-y: auto; }
  dialog::backdrop { background: rgba(0,0,0,.45); }
  dialog h2 { margin: 0 0 .6rem; font-size: 1.15rem; }
  dialog .field { margin-top: .8rem; }
  dialog .field > label, dialog legend { display: block; font-weight: 700; margin-bottom: .2rem; }
  dialog fieldset { border: 0; padding: 0; margin: 0; }
  dialog .choice { display: flex; gap: .4rem; align-items: baseline; font-weight: 400; margin: .15rem 0; }
  dialog select, dialog textarea, dialog input[type="text"] { width: 100%; padding: .3rem .4rem; border: 1px solid #bbb; border-radius: 6px; }
  dialog .hint { color: #616061; font-size: .8rem; }
  dialog .error { color: #b00020; font-size: .85rem; }
  dialog menu { display: flex; justify-content: flex-end; flex-wrap: wrap; gap: .5rem; padding: 0; margin: 1rem 0 0; }
  @media (max-width: 700px) {
    body { grid-template-columns: minmax(0, 1fr); }
    nav { position: fixed; inset: 0 auto 0 0; width: min(80vw, 17rem); z-index: 20; visibility: hidden; transform: translateX(-100%); }
    body.nav-open nav { visibility: visible; transform: none; box-shadow: 4px 0 18px rgba(0,0,0,.3); }
    #nav-toggle { display: inline-block; }
    header { padding: .5rem .6rem; }
    #messages { padding: .5rem .6rem 1rem; }
    footer { padding: .5rem .6rem; }
    .fields { grid-template-columns: minmax(0, 1fr); }
  }
`;
