// The playground page: a small Discord client for the loopback Discord. Plain JS, no build step.

const OPTION = { SubCommand: 1, SubCommandGroup: 2, String: 3, Integer: 4, Boolean: 5, User: 6, Channel: 7, Role: 8, Mentionable: 9, Number: 10 };
const BUTTON_STYLES = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'danger', 5: 'link', 6: 'premium' };
const FLAG = { Ephemeral: 64, Loading: 128, IsComponentsV2: 1 << 15 };
const SCENARIO_LABELS = {
  completes: 'Completes',
  fails: 'Fails',
  moderated: 'Moderated',
  refused: 'Refused (422)',
  'not-found': 'Not found (404)',
  expired: 'Expired (410)',
};
const ACCOUNT_LABELS = { 401: '401 token refused', 402: '402 no subscription', 596: '596 moderation pending' };
const AVATAR_COLOURS = ['#5865f2', '#eb459e', '#3ba55c', '#faa61a', '#ed4245'];

const $ = (id) => document.getElementById(id);
const state = {
  world: null,
  me: localStorage.getItem('playground.me'),
  channel: localStorage.getItem('playground.channel'),
  view: null,
  command: null,
  sub: null,
  upstream: 'midjourney',
  kind: 'image',
};

// ---------------------------------------------------------------- helpers

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
  return json;
}

const me = () => state.world.personas.find((p) => p.id === state.me);
const nameOf = (id) => {
  if (id === state.world.bot.id) return state.world.bot.name;
  return state.world.personas.find((p) => p.id === id)?.name ?? `user-${String(id).slice(-4)}`;
};
const channelName = (id) => state.world.guild.channels.find((c) => c.id === id)?.name ?? 'unknown-channel';
const roleName = (id) => state.world.roles.find((r) => r.id === id)?.name ?? (id === state.world.guild.id ? 'everyone' : 'role');
const colourOf = (id) => AVATAR_COLOURS[Number(BigInt(id) % BigInt(AVATAR_COLOURS.length))];
const initials = (name) => name.split(/\s+/).map((w) => w[0]).join('').slice(0, 2).toUpperCase();

/** Pictures go through the playground's own proxy, which serves only the emulators' media. */
const mediaSrc = (url) => `/media?url=${encodeURIComponent(url)}`;
function linkHref(url) {
  try {
    const parsed = new URL(url);
    return state.world.mediaHosts.includes(parsed.hostname) ? mediaSrc(url) : url;
  } catch {
    return '#';
  }
}

// ---------------------------------------------------------------- timestamps

function formatTimestamp(seconds, style = 'f') {
  const date = new Date(seconds * 1000);
  const opts = {
    t: { timeStyle: 'short' },
    T: { timeStyle: 'medium' },
    d: { dateStyle: 'short' },
    D: { dateStyle: 'long' },
    f: { dateStyle: 'long', timeStyle: 'short' },
    F: { dateStyle: 'full', timeStyle: 'short' },
  }[style];
  if (opts) return new Intl.DateTimeFormat('en-US', opts).format(date);
  return relative(date.getTime());
}

function relative(ms) {
  const diff = (ms - Date.now()) / 1000;
  const units = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(diff) >= size || unit === 'second') return rtf.format(Math.round(diff / size), unit);
  }
  return '';
}

function clockTime(iso) {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return `${today ? 'Today at' : date.toLocaleDateString('en-US')} ${date.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' })}`;
}

// ---------------------------------------------------------------- markdown

/** Discord's markdown, the parts the bot uses and then some; input is escaped first. */
function markdown(source) {
  const stash = [];
  const keep = (html) => `\u0000${stash.push(html) - 1}\u0000`;
  let text = escapeHtml(source ?? '');
  text = text.replace(/```(?:[\w-]+\n)?([\s\S]*?)```/g, (_, code) => keep(`<pre>${code}</pre>`));
  text = text.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code>${code}</code>`));
  text = text.replace(/\\([*_~`|\\<>#-])/g, (_, c) => keep(c));
  text = text.replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g, (_, label, url) => keep(`<a href="${linkHref(url.replace(/&amp;/g, '&'))}" target="_blank" rel="noopener">${inline(label)}</a>`));
  text = text.replace(/&lt;(https?:\/\/[^\s&]+)&gt;|(https?:\/\/[^\s<]+[^\s<.,:;"')\]])/g, (_, a, b) => {
    const url = (a ?? b).replace(/&amp;/g, '&');
    return keep(`<a href="${linkHref(url)}" target="_blank" rel="noopener">${escapeHtml(url)}</a>`);
  });
  const lines = text.split('\n').map((line) => {
    let m;
    if ((m = /^-# (.*)$/.exec(line))) return `<span class="subtext">${inline(m[1])}</span>`;
    if ((m = /^(#{1,3}) (.*)$/.exec(line))) return `<h${m[1].length}>${inline(m[2])}</h${m[1].length}>`;
    if ((m = /^&gt; (.*)$/.exec(line))) return `<div class="quote">${inline(m[1])}</div>`;
    if ((m = /^\s*[-*] (.*)$/.exec(line))) return `• ${inline(m[1])}`;
    return inline(line);
  });
  return lines.join('\n').replace(/\n?(<\/?(?:h\d|div)[^>]*>)\n?/g, '$1').replace(/\u0000(\d+)\u0000/g, (_, i) => stash[Number(i)]);
}

function inline(text) {
  return text
    .replace(/\*\*\*(.+?)\*\*\*/g, '<strong><em>$1</em></strong>')
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/__(.+?)__/g, '<u>$1</u>')
    .replace(/(^|[^\w*])\*(?!\s)(.+?)\*(?!\w)/g, '$1<em>$2</em>')
    .replace(/(^|\W)_(?!\s)(.+?)_(?!\w)/g, '$1<em>$2</em>')
    .replace(/~~(.+?)~~/g, '<s>$1</s>')
    .replace(/\|\|(.+?)\|\|/g, '<span class="spoiler">$1</span>')
    .replace(/&lt;@!?(\d+)&gt;/g, (_, id) => `<span class="mention">@${escapeHtml(nameOf(id))}</span>`)
    .replace(/&lt;@&amp;(\d+)&gt;/g, (_, id) => `<span class="mention">@${escapeHtml(roleName(id))}</span>`)
    .replace(/&lt;#(\d+)&gt;/g, (_, id) => `<span class="mention">#${escapeHtml(channelName(id))}</span>`)
    .replace(/&lt;t:(-?\d+)(?::([tTdDfFR]))?&gt;/g, (_, s, style = 'f') => `<span class="timestamp" data-ts="${s}" data-style="${style}" title="${escapeHtml(formatTimestamp(Number(s), 'F'))}">${escapeHtml(formatTimestamp(Number(s), style))}</span>`);
}

// ---------------------------------------------------------------- messages

function renderEmbed(embed) {
  const colour = typeof embed.color === 'number' ? `#${embed.color.toString(16).padStart(6, '0')}` : '#1e1f22';
  const parts = [];
  if (embed.thumbnail?.url) parts.push(`<img class="thumb" alt="" src="${mediaSrc(embed.thumbnail.url)}">`);
  if (embed.author?.name) parts.push(`<div class="embed-author">${escapeHtml(embed.author.name)}</div>`);
  if (embed.title) {
    const title = markdown(embed.title);
    parts.push(`<div class="embed-title">${embed.url ? `<a href="${linkHref(embed.url)}" target="_blank" rel="noopener">${title}</a>` : title}</div>`);
  }
  if (embed.description) parts.push(`<div class="embed-description">${markdown(embed.description)}</div>`);
  if (embed.fields?.length) {
    parts.push(
      `<div class="embed-fields">${embed.fields
        .map((f) => `<div class="field${f.inline ? ' inline' : ''}"><div class="field-name">${markdown(f.name)}</div><div class="field-value">${markdown(f.value)}</div></div>`)
        .join('')}</div>`,
    );
  }
  if (embed.image?.url) parts.push(`<img class="embed-image" alt="embed image" src="${mediaSrc(embed.image.url)}">`);
  const footer = [embed.footer?.text && escapeHtml(embed.footer.text), embed.timestamp && escapeHtml(clockTime(embed.timestamp))].filter(Boolean);
  if (footer.length) parts.push(`<div class="embed-footer">${footer.join(' • ')}</div>`);
  return `<div class="embed" style="border-left-color:${colour}">${parts.join('')}</div>`;
}

function renderButton(button) {
  const style = BUTTON_STYLES[button.style] ?? 'secondary';
  const label = `${button.emoji?.name ? `${escapeHtml(button.emoji.name)} ` : ''}${escapeHtml(button.label ?? '')}`;
  if (button.style === 5) {
    if (button.disabled) return `<span class="btn link disabled">${label}</span>`;
    return `<a class="btn link" href="${linkHref(button.url)}" target="_blank" rel="noopener">${label}</a>`;
  }
  return `<button type="button" class="btn ${style}" data-custom-id="${escapeHtml(button.custom_id ?? '')}"${button.disabled ? ' disabled' : ''}>${label}</button>`;
}

function renderComponent(c) {
  switch (c.type) {
    case 1:
      return `<div class="action-row">${(c.components ?? []).map(renderComponent).join('')}</div>`;
    case 2:
      return renderButton(c);
    case 3: case 5: case 6: case 7: case 8:
      return `<div class="select">${escapeHtml(c.placeholder ?? 'Make a selection')} ▾</div>`;
    case 9:
      return `<div class="section"><div>${(c.components ?? []).map(renderComponent).join('')}</div>${c.accessory ? renderComponent(c.accessory) : ''}</div>`;
    case 10:
      return `<div class="content">${markdown(c.content)}</div>`;
    case 11:
      return `<img class="thumb" alt="${escapeHtml(c.description ?? '')}" src="${mediaSrc(c.media?.url ?? '')}" style="max-width:80px;border-radius:4px">`;
    case 12:
      return `<div class="gallery${c.items?.length === 1 ? ' one' : ''}">${(c.items ?? []).map(renderGalleryItem).join('')}</div>`;
    case 13:
      return `<div class="file">File: ${escapeHtml(c.file?.url ?? 'file')}</div>`;
    case 14:
      return `<hr class="separator${c.divider === false ? ' invisible' : ''}">`;
    case 17: {
      const accent = typeof c.accent_color === 'number' ? `border-left-color:#${c.accent_color.toString(16).padStart(6, '0')}` : '';
      return `<div class="container" style="${accent}">${(c.components ?? []).map(renderComponent).join('')}</div>`;
    }
    default:
      return '';
  }
}

function renderGalleryItem(item) {
  const src = mediaSrc(item.media?.url ?? '');
  const alt = escapeHtml(item.description ?? '');
  if ((item.media?.content_type ?? '').startsWith('video/')) return `<video controls muted preload="metadata" title="${alt}" src="${src}"></video>`;
  return `<img alt="${alt}" src="${src}">`;
}

function renderAttachment(a) {
  const isImage = (a.content_type ?? '').startsWith('image/') || /\.(png|jpe?g|gif|webp)$/i.test(a.filename ?? '');
  if (isImage) return `<img class="attachment-image" alt="${escapeHtml(a.filename)}" src="${mediaSrc(a.url)}">`;
  return `<div class="file">File: <a href="${linkHref(a.url)}">${escapeHtml(a.filename)}</a> <small>${a.size ?? 0} bytes</small></div>`;
}

function renderMessage(m) {
  const d = m.data;
  const authorId = d.author?.id ?? '';
  const name = nameOf(authorId);
  const isBot = authorId === state.world.bot.id;
  const body = [];
  if (d.flags & FLAG.Loading) body.push(`<div class="thinking">${escapeHtml(name)} is thinking…</div>`);
  else if (d.content) body.push(`<div class="content">${markdown(d.content)}</div>`);
  for (const embed of d.embeds ?? []) body.push(renderEmbed(embed));
  // A Components V2 message shows its files only where its components place them, as Discord does.
  if (d.attachments?.length && !(d.flags & FLAG.IsComponentsV2)) body.push(`<div class="attachments">${d.attachments.map(renderAttachment).join('')}</div>`);
  if (d.components?.length) body.push(`<div class="components">${d.components.map(renderComponent).join('')}</div>`);
  if (m.ephemeral) body.push('<div class="ephemeral-note">Only you can see this</div>');
  const replyLine = m.interaction ? `<div class="reply-line">↱ <b>${escapeHtml(m.interaction.user)}</b> ${m.interaction.command ? `used <span class="mention">/${escapeHtml(m.interaction.command)}</span>` : 'clicked a button'}</div>` : '';
  return `<article class="message${m.ephemeral ? ' ephemeral' : ''}" data-message-id="${m.id}">
    ${replyLine ? `<span></span>${replyLine}` : ''}
    <span class="avatar" style="background:${isBot ? '#5865f2' : colourOf(authorId)}">${escapeHtml(initials(name))}</span>
    <div class="header-line"><span class="author">${escapeHtml(name)}</span>${isBot ? '<span class="app-tag">APP</span>' : ''}<span class="stamp">${escapeHtml(clockTime(d.timestamp))}</span>${d.edited_timestamp ? `<span class="edited" title="${escapeHtml(clockTime(d.edited_timestamp))}">(edited)</span>` : ''}</div>
    <div class="message-body">${body.join('')}</div>
  </article>`;
}

// ---------------------------------------------------------------- layout

function renderFrame() {
  const { guild, personas } = state.world;
  $('guild-name').textContent = guild.name;
  $('channels').innerHTML = guild.channels
    .map((c) => `<li><button type="button" class="channel${state.channel === c.id ? ' active' : ''}" data-channel="${c.id}">${escapeHtml(c.name)}</button></li>`)
    .join('');
  $('dm-link').classList.toggle('active', state.channel === 'dm');
  $('rail-dm').classList.toggle('active', state.channel === 'dm');
  $('rail-guild').classList.toggle('active', state.channel !== 'dm');
  $('members').innerHTML = personas
    .map(
      (p) => `<li><button type="button" class="member${p.id === state.me ? ' you' : ''}" data-persona="${p.id}" data-name="${escapeHtml(p.name)}">
        <span class="avatar" style="background:${colourOf(p.id)}">${escapeHtml(initials(p.name))}</span>
        <span>${escapeHtml(p.name)}${p.id === state.me ? '<span class="you-tag">YOU</span>' : ''}<small>${escapeHtml(p.about)}</small></span></button></li>`,
    )
    .join('');
  const you = me();
  $('me').innerHTML = `<span class="avatar" style="background:${colourOf(you.id)};width:32px;height:32px">${escapeHtml(initials(you.name))}</span><span>${escapeHtml(you.name)}<small>${escapeHtml(you.about)}</small></span>`;
  const inDm = state.channel === 'dm';
  $('chat-hash').textContent = inDm ? '@' : '#';
  $('chat-title').textContent = inDm ? 'Job Tracker' : channelName(state.channel);
  $('chat-topic').textContent = inDm ? `${you.name}'s direct messages with the bot` : state.channel === state.world.defaultChannelId ? 'Track jobs here with /track' : 'Where the bot posts moderated jobs, once an admin sets it';
}

function renderView() {
  const view = state.view;
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.innerHTML = view.messages.length
    ? view.messages.map(renderMessage).join('')
    : `<div class="empty">${state.channel === 'dm' ? 'No direct messages from the bot yet.' : 'Nothing here yet. Make a job on the right, then /track it.'}</div>`;
  if (atBottom) list.scrollTop = list.scrollHeight;

  // Discord shows unread DMs as a count; here, the DMs the bot sent you while you were elsewhere.
  const seen = Number(localStorage.getItem(`playground.dmSeen.${state.me}`) ?? 0);
  if (state.channel === 'dm') localStorage.setItem(`playground.dmSeen.${state.me}`, String(view.dmCount));
  const unread = state.channel === 'dm' ? 0 : view.dmCount - seen;
  $('dm-count').hidden = unread <= 0;
  $('dm-count').textContent = String(unread);

  $('violations').hidden = view.violations.length === 0;
  $('violation-text').textContent = view.violations.join('\n\n');
  for (const button of $('speeds').children) button.classList.toggle('on', Number(button.dataset.speed) === view.speed);
  for (const button of $('account-buttons').children) button.classList.toggle('on', button.dataset.status === String(view.accountFault));
  const fault = view.discordFault;
  $('fault-state').textContent = fault ? `Discord ${fault.kind === 'rate-limit' ? 'rate-limits' : 'fails'} the bot's messages until ${new Date(fault.until).toLocaleTimeString()}.` : '';
  $('jobs').innerHTML = view.jobs
    .map((j) => `<li data-job="${escapeHtml(j.jobid)}"><b>${escapeHtml(jobTitle(j))}</b><code>${escapeHtml(j.jobid)}</code><button type="button" data-track="${escapeHtml(j.jobid)}">Put in /track</button><button type="button" data-copy="${escapeHtml(j.jobid)}">Copy</button></li>`)
    .join('');
}

function jobTitle(job) {
  const upstream = state.world.upstreams.find((u) => u.id === job.upstream);
  return [upstream?.label ?? job.upstream, job.kind, SCENARIO_LABELS[job.scenario] ?? job.scenario].filter(Boolean).join(' · ');
}

async function refresh() {
  state.view = await api(`/api/view?user=${state.me}&channel=${state.channel}`);
  renderView();
}

function go(channel) {
  state.channel = channel;
  localStorage.setItem('playground.channel', channel);
  renderFrame();
  refresh().catch(showError);
}

// ---------------------------------------------------------------- composer

const showError = (error) => {
  $('composer-error').textContent = error instanceof Error ? error.message : String(error);
};

function pickerFor(text) {
  const picker = $('command-picker');
  const match = /^\/(\S*)$/.exec(text);
  if (!match) {
    picker.hidden = true;
    return;
  }
  const found = state.world.commands.filter((c) => available(c) && c.name.startsWith(match[1]));
  picker.hidden = found.length === 0;
  picker.innerHTML = found
    .map((c) => `<button type="button" class="command-choice" data-command="${escapeHtml(c.name)}">/${escapeHtml(c.name)}<small>${escapeHtml(c.description)}</small></button>`)
    .join('');
}

const ADMINISTRATOR = 1n << 3n;

/** As Discord does: a command shows where its contexts allow it, and to members with its default permissions. */
function available(command) {
  const contexts = command.contexts ?? [0, 1];
  if (!contexts.includes(state.channel === 'dm' ? 1 : 0)) return false;
  if (state.channel === 'dm' || command.default_member_permissions == null) return true;
  const needed = BigInt(command.default_member_permissions);
  const mine = BigInt(me().permissions);
  // Administrators see everything; "0" means nobody else.
  if ((mine & ADMINISTRATOR) === ADMINISTRATOR) return true;
  return needed !== 0n && (mine & needed) === needed;
}

function chooseCommand(name) {
  state.command = state.world.commands.find((c) => c.name === name) ?? null;
  state.sub = null;
  $('command-picker').hidden = true;
  $('composer-input').value = state.command ? `/${name} ` : '';
  renderFields();
}

function subcommands() {
  return (state.command?.options ?? []).filter((o) => o.type === OPTION.SubCommand);
}

function currentOptions() {
  if (!state.command) return [];
  if (subcommands().length) return state.sub?.options ?? [];
  return state.command.options ?? [];
}

function fieldInput(option) {
  const id = `opt-${option.name}`;
  const select = (values) => `<select id="${id}" data-option="${option.name}"><option value=""></option>${values.map(([v, label]) => `<option value="${escapeHtml(v)}">${escapeHtml(label)}</option>`).join('')}</select>`;
  switch (option.type) {
    case OPTION.String:
      if (option.choices?.length) return select(option.choices.map((c) => [c.value, c.name]));
      return `<input id="${id}" data-option="${option.name}" class="${option.name === 'jobid' ? 'wide' : ''}" ${option.max_length ? `maxlength="${option.max_length}"` : ''} ${option.autocomplete ? 'data-autocomplete="true"' : ''} placeholder="${escapeHtml(option.description)}">`;
    case OPTION.Integer:
    case OPTION.Number:
      return `<input id="${id}" data-option="${option.name}" type="number" ${option.min_value !== undefined ? `min="${option.min_value}"` : ''} ${option.max_value !== undefined ? `max="${option.max_value}"` : ''} step="${option.type === OPTION.Integer ? 1 : 'any'}">`;
    case OPTION.Boolean:
      return select([['true', 'True'], ['false', 'False']]);
    case OPTION.User:
      return select(state.world.personas.map((p) => [p.id, p.name]));
    case OPTION.Channel:
      return select(state.world.guild.channels.map((c) => [c.id, `#${c.name}`]));
    case OPTION.Role:
      return select(state.world.roles.map((r) => [r.id, `@${r.name}`]));
    case OPTION.Mentionable:
      return select([...state.world.personas.map((p) => [p.id, p.name]), ...state.world.roles.map((r) => [r.id, `@${r.name}`])]);
    default:
      return '<input disabled placeholder="not supported here">';
  }
}

function renderFields() {
  const fields = $('option-fields');
  if (!state.command) {
    fields.innerHTML = '';
    return;
  }
  const parts = [];
  const subs = subcommands();
  if (subs.length) {
    parts.push(`<label class="option"><b>subcommand *</b><select id="subcommand">${['', ...subs.map((s) => s.name)].map((n) => `<option value="${n}"${state.sub?.name === n ? ' selected' : ''}>${n}</option>`).join('')}</select></label>`);
  }
  for (const option of currentOptions()) {
    parts.push(`<label class="option" title="${escapeHtml(option.description)}"><b>${escapeHtml(option.name)}${option.required ? ' *' : ''}</b>${fieldInput(option)}</label>`);
  }
  fields.innerHTML = parts.join('');
}

function typedValue(option, raw) {
  switch (option.type) {
    case OPTION.Integer: return Number.parseInt(raw, 10);
    case OPTION.Number: return Number(raw);
    case OPTION.Boolean: return raw === 'true';
    default: return raw;
  }
}

/** The interaction's `options`, as Discord sends them (wrapped in the subcommand if there is one). */
function collectOptions(focusedName) {
  const values = [];
  for (const option of currentOptions()) {
    const input = $(`opt-${option.name}`);
    const raw = input?.value.trim() ?? '';
    if (option.name === focusedName) {
      values.push({ name: option.name, type: option.type, value: raw, focused: true });
      continue;
    }
    if (raw === '') {
      if (option.required && !focusedName) throw new Error(`${option.name} is required.`);
      continue;
    }
    const value = typedValue(option, raw);
    if (typeof value === 'number' && Number.isNaN(value)) throw new Error(`${option.name} must be a number.`);
    values.push({ name: option.name, type: option.type, value });
  }
  if (subcommands().length) {
    if (!state.sub) throw new Error('Pick a subcommand.');
    return [{ name: state.sub.name, type: OPTION.SubCommand, options: values }];
  }
  return values;
}

/** `/track jobid:… dm:false` typed out: fills the fields the text names. */
function fillFromText(text) {
  const match = /^\/(\S+)\s*(.*)$/.exec(text.trim());
  if (!match) return;
  if (state.command?.name !== match[1]) chooseCommand(match[1]);
  if (!state.command) throw new Error(`/${match[1]} is not one of the bot's commands.`);
  const rest = match[2].split(/\s+/).filter(Boolean);
  if (subcommands().length && rest[0] && !rest[0].includes(':')) {
    state.sub = subcommands().find((s) => s.name === rest[0]) ?? null;
    renderFields();
    rest.shift();
  }
  for (const pair of rest) {
    const [name, ...parts] = pair.split(':');
    const value = parts.join(':');
    const input = $(`opt-${name}`);
    if (!input || !value) continue;
    // Pickers (channel, user, role, choices) take what was typed as their value or their label.
    const option = input.tagName === 'SELECT' ? [...input.options].find((o) => [o.value, o.label, o.label.replace(/^[#@]/, '')].includes(value.replace(/^[#@]/, ''))) : null;
    input.value = option ? option.value : value;
  }
  $('composer-input').value = `/${state.command.name} `;
}

async function send(event) {
  event.preventDefault();
  showError('');
  const text = $('composer-input').value;
  try {
    if (!text.trim().startsWith('/') && !state.command) throw new Error('The bot answers slash commands only: type / to see them.');
    if (/^\/\S+\s+\S/.test(text.trim())) fillFromText(text);
    else if (!state.command) chooseCommand(text.trim().slice(1));
    if (!state.command) throw new Error('Unknown command.');
    if (!available(state.command)) throw new Error(`/${state.command.name} is not available to ${me().name} here.`);
    const options = collectOptions();
    await api('/api/command', { user: state.me, channelId: state.channel, name: state.command.name, options });
    chooseCommand(null);
    await refresh();
  } catch (error) {
    showError(error);
  }
}

let autocompleteTimer;
function autocomplete(input) {
  clearTimeout(autocompleteTimer);
  autocompleteTimer = setTimeout(async () => {
    try {
      const options = collectOptions(input.dataset.option);
      const { choices } = await api('/api/command', { user: state.me, channelId: state.channel, name: state.command.name, options, autocomplete: true });
      input.parentElement.querySelector('.choices')?.remove();
      if (!choices.length) return;
      const box = document.createElement('div');
      box.className = 'choices';
      box.innerHTML = choices.map((c) => `<button type="button" data-value="${escapeHtml(c.value)}">${escapeHtml(c.name)}</button>`).join('');
      box.addEventListener('mousedown', (e) => {
        const value = e.target.closest('button')?.dataset.value;
        if (value !== undefined) input.value = value;
        box.remove();
      });
      input.parentElement.append(box);
    } catch (error) {
      showError(error);
    }
  }, 150);
}

function offerForTrack(jobid) {
  chooseCommand('track');
  $('opt-jobid').value = jobid;
  $('composer-input').focus();
}

// ---------------------------------------------------------------- controls

/** The scenario buttons (and image / video choice) of the chosen upstream. */
function renderScenarios() {
  const upstream = state.world.upstreams.find((u) => u.id === state.upstream) ?? state.world.upstreams[0];
  state.upstream = upstream.id;
  $('upstream').value = upstream.id;
  $('kind-row').hidden = upstream.kinds.length === 0;
  $('kinds').innerHTML = upstream.kinds.map((k) => `<button type="button" data-kind="${k}" class="${k === state.kind ? 'on' : ''}">${k === 'image' ? 'Image' : 'Video'}</button>`).join('');
  $('scenario-buttons').innerHTML = upstream.scenarios.map((s) => `<button type="button" data-scenario="${s}">${SCENARIO_LABELS[s] ?? s}</button>`).join('');
}

function renderControls() {
  $('upstream').innerHTML = state.world.upstreams.map((u) => `<option value="${u.id}">${escapeHtml(u.label)}</option>`).join('');
  renderScenarios();
  $('speeds').innerHTML = state.world.speeds.map((s) => `<button type="button" data-speed="${s}">×${s}</button>`).join('');
  $('account-buttons').innerHTML = [...Object.entries(ACCOUNT_LABELS), ['null', 'None (healthy)']]
    .map(([status, label]) => `<button type="button" data-status="${status}">${label}</button>`)
    .join('');
}

function wire() {
  $('composer').addEventListener('submit', send);
  $('composer-input').addEventListener('input', (e) => {
    const text = e.target.value;
    if (state.command && !text.startsWith(`/${state.command.name}`)) chooseCommand(null);
    if (!state.command) pickerFor(text);
  });
  $('composer-input').addEventListener('keydown', (e) => {
    const picker = $('command-picker');
    if ((e.key === 'Tab' || e.key === 'Enter') && !picker.hidden && picker.children.length) {
      e.preventDefault();
      chooseCommand(picker.children[0].dataset.command);
    }
  });
  $('command-picker').addEventListener('click', (e) => {
    const name = e.target.closest('[data-command]')?.dataset.command;
    if (name) chooseCommand(name);
  });
  $('upstream').addEventListener('change', (e) => {
    state.upstream = e.target.value;
    renderScenarios();
  });
  $('option-fields').addEventListener('change', (e) => {
    if (e.target.id === 'subcommand') {
      state.sub = subcommands().find((s) => s.name === e.target.value) ?? null;
      renderFields();
    }
  });
  $('option-fields').addEventListener('input', (e) => {
    if (e.target.dataset.autocomplete) autocomplete(e.target);
  });
  $('option-fields').addEventListener('focusin', (e) => {
    if (e.target.dataset.autocomplete) autocomplete(e.target);
  });
  $('option-fields').addEventListener('focusout', (e) => {
    setTimeout(() => e.target.parentElement?.querySelector('.choices')?.remove(), 150);
  });
  $('option-fields').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') send(e);
  });

  document.body.addEventListener('click', async (e) => {
    const target = e.target.closest('button');
    if (!target) return;
    try {
      if (target.dataset.channel) go(target.dataset.channel);
      else if (target.id === 'rail-dm') go('dm');
      else if (target.id === 'rail-guild') go(state.world.defaultChannelId);
      else if (target.dataset.persona) {
        state.me = target.dataset.persona;
        localStorage.setItem('playground.me', state.me);
        renderFrame();
        await refresh();
      } else if (target.dataset.customId) {
        const messageId = target.closest('[data-message-id]').dataset.messageId;
        target.disabled = true;
        await api('/api/click', { user: state.me, channelId: state.channel, messageId, customId: target.dataset.customId });
      } else if (target.dataset.kind) {
        state.kind = target.dataset.kind;
        renderScenarios();
      } else if (target.dataset.scenario) {
        const upstream = state.world.upstreams.find((u) => u.id === state.upstream);
        const kind = upstream.kinds.length ? { kind: state.kind } : {};
        const { jobid } = await api('/api/job', { upstream: state.upstream, ...kind, scenario: target.dataset.scenario, durationS: Number($('duration').value) });
        offerForTrack(jobid);
        await refresh();
      } else if (target.dataset.speed) await api('/api/speed', { speed: Number(target.dataset.speed) });
      else if (target.dataset.status) await api('/api/account', { status: target.dataset.status === 'null' ? null : Number(target.dataset.status) });
      else if (target.dataset.fault) await api('/api/discord-fault', { kind: target.dataset.fault, seconds: Number($('fault-seconds').value) });
      else if (target.dataset.track) offerForTrack(target.dataset.track);
      else if (target.dataset.copy) await navigator.clipboard.writeText(target.dataset.copy);
      else if (target.id === 'dismiss-violations') {
        await api('/api/dismiss-violations', {});
        await refresh();
      }
    } catch (error) {
      showError(error);
      await refresh().catch(() => undefined);
    }
  });

  setInterval(() => {
    for (const el of document.querySelectorAll('.timestamp[data-style="R"]')) el.textContent = formatTimestamp(Number(el.dataset.ts), 'R');
  }, 1000);
  const events = new EventSource('/api/events');
  events.addEventListener('change', () => refresh().catch(showError));
}

async function main() {
  state.world = await api('/api/world');
  if (!state.world.personas.some((p) => p.id === state.me)) state.me = state.world.personas[0].id;
  if (state.channel !== 'dm' && !state.world.guild.channels.some((c) => c.id === state.channel)) state.channel = state.world.defaultChannelId;
  renderControls();
  renderFrame();
  wire();
  await refresh();
  document.body.dataset.ready = 'true';
}

main().catch(showError);
