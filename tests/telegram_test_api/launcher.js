'use strict';
// telegram-test-api 4.2.1 behind a small front server that fixes what it gets wrong on the
// wire, so that unmodified python-telegram-bot and aiogram clients can talk to it:
//
//  - getMe has no is_bot                        -> added
//  - callback queries lose chat_instance        -> added (stable per chat, as on Telegram)
//  - dates of sent messages are in milliseconds -> seconds
//  - edits (and other calls) answer result null -> true
//  - unknown methods answer HTTP 500 {message}  -> 404 {ok: false, error_code, description}
//  - getUpdates ignores timeout and offset      -> long polling, and updates stay pending
//                                                  until a later offset confirms them
//  - webhook pushes carry no secret header, and a failed push crashes the process
//                                               -> this front server pushes them itself,
//                                                  with the header, retrying until 2xx
//  - commands need a bot_command entity sent by the client -> added, as Telegram does
//
// Usage: node launcher.js  -> prints {"port": N} once listening on 127.0.0.1:N.
// Everything but the Bot API methods above (the client routes /sendMessage, /sendCallback,
// /getUpdatesHistory, ...) is passed through unchanged.

const http = require('http');
const TelegramServer = require('telegram-test-api');

const HOST = '127.0.0.1';
const RETRY_DELAY_MS = 200;
const PUSH_TIMEOUT_MS = 10000;
const USER_EVENTS = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];
const BOT_USER = { id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot' };

const inner = new TelegramServer({ host: HOST, port: 1, storeTimeout: 24 * 3600 });
// normalizeConfig turns port 0 into 9000; any free port will do for the inner server.
inner.config.port = 0;

// Per bot token: updates handed out but not yet confirmed, and the webhook if one is set.
const bots = new Map();

function botState(token) {
  if (!bots.has(token)) bots.set(token, { pending: [], webhook: null });
  return bots.get(token);
}

function commandEntities(text) {
  const entities = [];
  const pattern = /(^|\s)(\/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,32})?)/g;
  let found;
  while ((found = pattern.exec(text)) !== null) {
    // JavaScript string offsets are UTF-16 code units, as Telegram's are.
    entities.push({ type: 'bot_command', offset: found.index + found[1].length, length: found[2].length });
  }
  return entities;
}

function fixedMessage(message) {
  if (!message || typeof message !== 'object') return message;
  const fixed = { ...message };
  delete fixed.botToken;
  if (typeof fixed.date === 'number' && fixed.date > 1e11) fixed.date = Math.floor(fixed.date / 1000);
  if (typeof fixed.text === 'string' && !fixed.entities) {
    const entities = commandEntities(fixed.text);
    if (entities.length) fixed.entities = entities;
  }
  return fixed;
}

function fixedUpdate(update) {
  const fixed = { ...update };
  if (fixed.message) fixed.message = fixedMessage(fixed.message);
  if (fixed.callback_query) {
    const query = { ...fixed.callback_query };
    query.message = fixedMessage(query.message);
    const chatId = query.message && query.message.chat ? query.message.chat.id : query.from.id;
    if (!query.chat_instance) query.chat_instance = String(BigInt(chatId) * 2654435761n % 2n ** 63n);
    fixed.callback_query = query;
  }
  return fixed;
}

// Moves what telegram-test-api queued for the bot into our pending list (it marks them read).
function pull(token) {
  const state = botState(token);
  for (const update of inner.getUpdates(token)) state.pending.push(fixedUpdate(update));
  return state;
}

function waitForUserUpdate(ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const name of USER_EVENTS) inner.off(name, done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const name of USER_EVENTS) inner.on(name, done);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function getUpdates(token, params) {
  const offset = Number(params.offset || 0);
  const limit = Math.min(Math.max(Number(params.limit || 100), 1), 100);
  const deadline = Date.now() + Math.max(Number(params.timeout || 0), 0) * 1000;
  for (;;) {
    const state = pull(token);
    if (offset > 0) state.pending = state.pending.filter((u) => u.update_id >= offset);
    if (state.pending.length || Date.now() >= deadline) return state.pending.slice(0, limit);
    await waitForUserUpdate(deadline - Date.now());
  }
}

async function deliverForever(token, webhook) {
  const state = botState(token);
  while (state.webhook === webhook) {
    pull(token);
    const update = state.pending[0];
    if (!update) {
      await waitForUserUpdate(1000);
      continue;
    }
    const headers = { 'Content-Type': 'application/json' };
    if (webhook.secret) headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secret;
    let delivered = false;
    try {
      const answer = await fetch(webhook.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
      });
      delivered = answer.status >= 200 && answer.status < 300;
    } catch (error) {
      delivered = false;
    }
    if (delivered && state.pending[0] === update) state.pending.shift();
    if (!delivered) await sleep(RETRY_DELAY_MS);
  }
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const parts = [];
    request.on('data', (part) => parts.push(part));
    request.on('end', () => resolve(Buffer.concat(parts)));
    request.on('error', reject);
  });
}

function parameters(request, url, body) {
  const params = Object.fromEntries(url.searchParams);
  const type = request.headers['content-type'] || '';
  if (type.startsWith('application/json') && body.length) Object.assign(params, JSON.parse(body));
  else if (type.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
  }
  return params;
}

function forward(request, body) {
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers, 'content-length': String(body.length) };
    const call = http.request(
      { host: HOST, port: inner.server.address().port, method: request.method, path: request.url, headers },
      (answer) => {
        readBody(answer).then((data) => resolve({ status: answer.statusCode, body: data }), reject);
      },
    );
    call.on('error', reject);
    call.end(body);
  });
}

function reply(response, status, payload) {
  if (response.writableEnded || response.destroyed) return;
  const data = Buffer.from(JSON.stringify(payload));
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  response.end(data);
}

function fixedAnswer(method, status, payload) {
  if (!payload || typeof payload.ok !== 'boolean') {
    const unknown = status === 500 && /is not supported/.test(String(payload && payload.message));
    const code = unknown ? 404 : status >= 400 ? status : 500;
    const description = unknown ? 'Not Found' : String((payload && payload.message) || 'Internal Server Error');
    return { status: code, payload: { ok: false, error_code: code, description } };
  }
  const fixed = { ...payload };
  if (fixed.ok && method === 'getMe') fixed.result = { is_bot: true, ...fixed.result };
  if (fixed.ok && method === 'sendMessage') fixed.result = { from: BOT_USER, ...fixedMessage(fixed.result) };
  if (fixed.ok && (fixed.result === null || fixed.result === undefined)) fixed.result = true;
  return { status, payload: fixed };
}

async function botMethod(token, method, request, url, body, response) {
  const params = parameters(request, url, body);
  // Bot API method names are case-insensitive.
  method = {
    getupdates: 'getUpdates', setwebhook: 'setWebhook', deletewebhook: 'deleteWebhook',
    getme: 'getMe', sendmessage: 'sendMessage',
  }[method.toLowerCase()] || method;
  if (method === 'getUpdates') {
    const state = botState(token);
    if (state.webhook) {
      const description = "Conflict: can't use getUpdates method while webhook is active";
      return reply(response, 409, { ok: false, error_code: 409, description });
    }
    return reply(response, 200, { ok: true, result: await getUpdates(token, params) });
  }
  if (method === 'setWebhook' || method === 'deleteWebhook') {
    const state = botState(token);
    state.webhook = null;
    if (method === 'setWebhook' && params.url) {
      state.webhook = { url: params.url, secret: params.secret_token || null };
      deliverForever(token, state.webhook);
    }
    return reply(response, 200, { ok: true, result: true });
  }
  const answer = await forward(request, body);
  let payload = null;
  try {
    payload = JSON.parse(answer.body.toString('utf8'));
  } catch (error) {
    payload = { message: answer.body.toString('utf8') };
  }
  const fixed = fixedAnswer(method, answer.status, payload);
  return reply(response, fixed.status, fixed.payload);
}

async function handle(request, response) {
  const body = await readBody(request);
  const url = new URL(request.url, `http://${HOST}`);
  const bot = url.pathname.match(/^\/bot([^/]+)\/([A-Za-z]+)$/);
  if (bot) return botMethod(bot[1], bot[2], request, url, body, response);
  const answer = await forward(request, body);
  response.writeHead(answer.status, { 'Content-Type': 'application/json' });
  return response.end(answer.body);
}

async function main() {
  await inner.start();
  const front = http.createServer((request, response) => {
    handle(request, response).catch((error) => reply(response, 500, { ok: false, error_code: 500, description: String(error) }));
  });
  front.listen(0, HOST, () => {
    process.stdout.write(`${JSON.stringify({ port: front.address().port })}\n`);
  });
  const stop = () => {
    front.close();
    inner.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
