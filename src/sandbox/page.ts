import { SANDBOX_CONTROLS_SCRIPT } from './page-controls.js';
import { SANDBOX_SCRIPT } from './page-script.js';
import { SANDBOX_STYLE } from './page-style.js';

/**
 * The sandbox page: a plain, keyboard-usable stand-in for the Slack client, down to a phone's
 * width. Its script renders Block Kit with textContent only (never innerHTML), so nothing a
 * message carries can run or format here.
 */
export const SANDBOX_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Cartwatch sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${SANDBOX_STYLE}</style>
</head>
<body>
<nav id="sidebar" aria-label="Channels">
  <div class="workspace">Cartwatch sandbox</div>
  <h2>Channels</h2>
  <div id="channels"></div>
  <h2>Apps</h2>
  <button type="button" id="home-tab">🏠 Home</button>
</nav>
<main>
  <header>
    <button type="button" id="nav-toggle" aria-controls="sidebar" aria-expanded="false" aria-label="Channels">☰</button>
    <h1 id="title">#</h1>
    <label>Acting as <select id="user"></select></label>
  </header>
  <section id="messages" aria-live="polite" aria-label="Messages"></section>
  <footer><input id="command" value="/cart-status " aria-label="Slash command"><button type="button" id="send" class="btn">Send</button></footer>
</main>
<div id="toast" role="status" hidden><span id="toast-text"></span><button type="button" id="toast-show">Show</button></div>
<dialog id="modal"><form id="modal-form" novalidate></form></dialog>
<dialog id="confirm" aria-labelledby="confirm-title"><form method="dialog">
  <h2 id="confirm-title"></h2><p id="confirm-text"></p>
  <menu><button value="deny" id="confirm-deny" class="btn"></button><button value="ok" id="confirm-ok" class="btn primary"></button></menu>
</form></dialog>
<script>
${SANDBOX_SCRIPT}
${SANDBOX_CONTROLS_SCRIPT}
</script>
</body>
</html>
`;
