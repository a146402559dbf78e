// rbac-api's policy console: plain ES2020, no framework, no build step.
//
// The access token lives in the `session` variable only: no cookie (so no CSRF surface), no
// localStorage or sessionStorage (so nothing outlives the tab). Every piece of data is put into the page
// with textContent or createElement, never as HTML; the SVG graph is parsed as XML and imported.
"use strict";

(() => {
  const ROOT = document.documentElement.dataset.root || "";
  // The login asks for no particular scope, so the token carries every scope the account's roles grant:
  // ending a user's session follows the rule of any change to an account (the caller's token must hold
  // every scope that user's roles grant), which a token narrowed to policy:read and users:* would fail
  // for nearly everyone. The answer's `scope` says which views may be used; policy:read is required.
  // Refresh this long before the access token expires (at most a quarter of its life).
  const REFRESH_MARGIN_MS = 60_000;
  const LOADERS = {};

  let session = null; // {username, accessToken, refreshToken, scopes: Set, timer}
  let refreshing = null; // the refresh in flight, shared by every caller that needs it

  const byId = (id) => document.getElementById(id);

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  // --- building the page from data -------------------------------------------------------------------

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function table(caption, headers, rows) {
    return el(
      "table",
      {},
      el("caption", { class: "visually-hidden", text: caption }),
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows),
    );
  }

  function list(items, empty = "none") {
    if (items.length === 0) return el("span", { class: "muted", text: empty });
    return el("ul", { class: "tags" }, items.map((item) => el("li", { text: item })));
  }

  function when(text) {
    if (!text) return "-";
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? String(text) : date.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }

  // `file:line` without the directories, as the graph shows it; the full path goes into a tooltip.
  function fileLine(location) {
    return String(location).replace(/^.*[\\/]/, "");
  }

  function statusOf(view) {
    return byId(`view-${view}`).querySelector(".status");
  }

  function say(view, text, isError = false) {
    const status = statusOf(view);
    status.textContent = text;
    status.classList.toggle("error", isError);
  }

  // --- talking to the service ------------------------------------------------------------------------

  function errorMessage(body, status) {
    if (body && typeof body.error_description === "string") return body.error_description;
    if (body && typeof body.detail === "string") return body.detail;
    if (body && Array.isArray(body.detail)) {
      return body.detail.map((d) => `${(d.loc || []).slice(1).join(".") || "input"}: ${d.msg}`).join("; ");
    }
    return `the service answered HTTP ${status}`;
  }

  async function failure(response) {
    const body = await response.json().catch(() => null);
    return new ApiError(response.status, errorMessage(body, response.status));
  }

  async function tokenRequest(form) {
    const response = await fetch(`${ROOT}/token`, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new URLSearchParams(form),
    });
    if (!response.ok) throw await failure(response);
    return response.json();
  }

  function send(path, method) {
    return fetch(ROOT + path, {
      method,
      headers: { Authorization: `Bearer ${session.accessToken}` },
      cache: "no-store",
    });
  }

  // An API call with the token in memory; after a 401 it refreshes once and tries again.
  async function api(path, method = "GET") {
    if (!session) throw new ApiError(401, "not logged in");
    let response = await send(path, method);
    if (response.status === 401) {
      await refresh();
      response = await send(path, method);
    }
    if (!response.ok) throw await failure(response);
    return response;
  }

  async function apiJson(path) {
    return (await api(path)).json();
  }

  function query(params) {
    const found = Object.entries(params).filter(([, value]) => value !== "" && value !== undefined);
    return found.length ? `?${new URLSearchParams(found)}` : "";
  }

  // --- login, refresh, logout ------------------------------------------------------------------------

  function adopt(body) {
    session.accessToken = body.access_token;
    session.refreshToken = body.refresh_token || null;
    session.scopes = new Set(String(body.scope || "").split(" ").filter(Boolean));
    clearTimeout(session.timer);
    const lifetime = Number(body.expires_in) * 1000;
    const wait = Math.max(lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 4), 5_000);
    if (session.refreshToken) session.timer = setTimeout(() => refresh().catch(() => {}), wait);
  }

  function refresh() {
    if (!session || !session.refreshToken) return Promise.reject(new ApiError(401, "not logged in"));
    if (!refreshing) {
      refreshing = tokenRequest({ grant_type: "refresh_token", refresh_token: session.refreshToken })
        .then(adopt)
        .catch((error) => {
          forget();
          showLogin(`Your session has ended (${error.message}); log in again.`);
          throw error;
        })
        .finally(() => {
          refreshing = null;
        });
    }
    return refreshing;
  }

  function revoke(token) {
    const body = new URLSearchParams({ token, token_type_hint: "refresh_token" });
    return fetch(`${ROOT}/revoke`, { method: "POST", body }).catch(() => null);
  }

  async function logIn(username, password) {
    const body = await tokenRequest({ grant_type: "password", username, password });
    session = { username, timer: null };
    adopt(body);
    if (!session.scopes.has("policy:read")) {
      const token = session.refreshToken;
      forget();
      if (token) await revoke(token);
      throw new ApiError(403, "this account does not hold policy:read, which the console needs");
    }
  }

  function forget() {
    if (session) clearTimeout(session.timer);
    session = null;
    for (const id of ["roles-graph", "roles-list", "matrix-table", "ask-answer", "users-result", "policy-result", "denials-table"]) {
      byId(id).replaceChildren();
    }
    for (const status of document.querySelectorAll(".view .status")) status.textContent = "";
  }

  async function logOut() {
    const token = session && session.refreshToken;
    forget();
    if (token) await revoke(token);
    showLogin("You are logged out.");
  }

  function showLogin(message) {
    byId("app").hidden = true;
    byId("who").hidden = true;
    byId("logout").hidden = true;
    byId("login-view").hidden = false;
    byId("login-message").textContent = message || "";
    byId("login-password").value = "";
    byId("login-username").focus();
  }

  function showApp() {
    byId("login-view").hidden = true;
    byId("app").hidden = false;
    byId("logout").hidden = false;
    const who = byId("who");
    const used = ["policy:read", "users:read", "users:write"].filter((scope) => session.scopes.has(scope));
    who.textContent = `${session.username} · ${used.join(" ")}`;
    who.hidden = false;
    select("roles", true);
  }

  // --- tabs ------------------------------------------------------------------------------------------

  function tabs() {
    return [...document.querySelectorAll('[role="tab"]')];
  }

  function select(view, focus = false) {
    for (const tab of tabs()) {
      const chosen = tab.dataset.view === view;
      tab.setAttribute("aria-selected", String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
      byId(tab.getAttribute("aria-controls")).hidden = !chosen;
      if (chosen && focus) tab.focus();
    }
    const load = LOADERS[view];
    if (load) run(view, load);
  }

  async function run(view, task) {
    say(view, "Loading…");
    try {
      await task();
      say(view, "");
    } catch (error) {
      if (session) say(view, error.message, true);
    }
  }

  function onTabKey(event) {
    const all = tabs();
    const at = all.indexOf(event.target);
    const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: all.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = all[(moves[event.key] + all.length) % all.length];
    select(next.dataset.view, true);
  }

  // --- Roles -----------------------------------------------------------------------------------------

  function importSvg(text) {
    const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
    const root = parsed.documentElement;
    if (root.localName !== "svg" || parsed.getElementsByTagName("parsererror").length) {
      throw new Error("the graph is not an SVG document");
    }
    for (const unwanted of root.querySelectorAll("script, foreignObject")) unwanted.remove();
    return document.importNode(root, true);
  }

  function rolesTable(matrix) {
    const rows = matrix.roles.map((role) => {
      const own = new Map();
      const effective = [];
      for (const row of matrix.rows) {
        const cell = row.cells.find((c) => c.role === role);
        if (!cell || !cell.granted) continue;
        effective.push(row.scope);
        for (const grant of cell.grants.filter((g) => g.role === role)) {
          own.set(`${grant.pattern} ${grant.location}`, grant);
        }
      }
      const grants = [...own.values()].map((g) => el("li", {}, el("code", { text: g.pattern }), " ", el("span", { class: "where", title: g.location, text: fileLine(g.location) })));
      return el(
        "tr",
        {},
        el("th", { scope: "row", text: role }),
        el("td", {}, grants.length ? el("ul", { class: "plain" }, grants) : el("span", { class: "muted", text: "none" })),
        el("td", {}, list(effective)),
      );
    });
    return table("Each role's own grants and effective scopes", ["Role", "Own grants (file:line)", "Effective scopes"], rows);
  }

  LOADERS.roles = async () => {
    const [drawing, matrix] = await Promise.all([api("/policy/graph.svg").then((r) => r.text()), apiJson("/policy/matrix")]);
    byId("roles-graph").replaceChildren(importSvg(drawing));
    byId("roles-list").replaceChildren(rolesTable(matrix));
  };

  // --- Matrix ----------------------------------------------------------------------------------------

  function grantText(cell, grant) {
    const from = grant.role === cell.role ? "" : `from ${grant.role}: `;
    const wildcard = grant.wildcard ? `${grant.pattern} at ` : "";
    return `${from}${wildcard}${fileLine(grant.location)}`;
  }

  function matrixCell(cell) {
    if (!cell.granted) {
      return el("td", { class: "no" }, el("span", { "aria-hidden": "true", text: "·" }), el("span", { class: "visually-hidden", text: "not granted" }));
    }
    const lines = cell.grants.map((grant) => el("li", { title: grant.location, text: grantText(cell, grant) }));
    return el("td", { class: `yes ${cell.how}` }, el("strong", { text: cell.how }), el("ul", { class: "plain" }, lines));
  }

  async function loadMatrix() {
    const prefix = byId("matrix-prefix").value.trim();
    const matrix = await apiJson(`/policy/matrix${query({ prefix })}`);
    const rows = matrix.rows.map((row) =>
      el("tr", {}, el("th", { scope: "row", title: row.description }, el("code", { text: row.scope })), row.cells.map(matrixCell)),
    );
    const caption = `Roles by scopes, policy ${matrix.version}${prefix ? `, scopes starting with ${prefix}` : ""}`;
    const result = rows.length ? table(caption, ["Scope", ...matrix.roles], rows) : el("p", { class: "muted", text: "No scope starts with that prefix." });
    result.classList.add("matrix");
    byId("matrix-table").replaceChildren(result);
  }

  LOADERS.matrix = loadMatrix;

  // --- Ask -------------------------------------------------------------------------------------------

  async function ask() {
    const params = { user: byId("ask-user").value.trim(), scope: byId("ask-scope").value.trim(), resource: byId("ask-resource").value.trim() };
    if (!params.user || !params.scope) throw new Error("give a user and a scope");
    const answer = await apiJson(`/policy/explain${query(params)}`);
    const verdict = answer.allowed ? "ALLOW" : "DENY";
    byId("ask-answer").replaceChildren(
      el("p", { class: `verdict ${answer.allowed ? "allow" : "deny"}`, text: verdict }),
      el("pre", { class: "lines", text: answer.lines.join("\n") }),
    );
  }

  // --- Users -----------------------------------------------------------------------------------------

  function sessionsTable(username, sessions) {
    const canEnd = session.scopes.has("users:write");
    const rows = sessions.map((s) => {
      const end = el("button", { type: "button", class: "end-session", "aria-label": `End session ${s.id}`, text: "End session", disabled: !canEnd, title: canEnd ? undefined : "needs users:write" });
      end.addEventListener("click", () => run("users", () => endSession(username, s.id)));
      return el(
        "tr",
        {},
        el("td", {}, el("code", { text: s.id }), s.current ? el("span", { class: "badge", text: "this console" }) : null),
        el("td", { text: when(s.created_at) }),
        el("td", { text: when(s.last_refreshed_at) }),
        el("td", { text: when(s.expires_at) }),
        el("td", { text: s.client_address || "-" }),
        el("td", { class: "agent", text: s.user_agent || "-" }),
        el("td", {}, end),
      );
    });
    if (!rows.length) return el("p", { class: "muted", text: "No live session." });
    return table(`Live sessions of ${username}`, ["Session", "Started", "Last refreshed", "Expires", "Address", "User agent", ""], rows);
  }

  function accessPart(access) {
    const user = access.user;
    const facts = [
      ["User", `${user.username} (id ${user.id})`],
      ["Full name", user.full_name || "-"],
      ["E-mail", user.email || "-"],
      ["State", user.disabled ? "disabled" : "enabled"],
    ];
    const organizations = access.organizations.map((o) => el("tr", {}, el("th", { scope: "row", text: o.organization }), el("td", {}, list(o.roles)), el("td", {}, list(o.scopes))));
    return [
      el("dl", { class: "facts" }, facts.map(([term, value]) => [el("dt", { text: term }), el("dd", { text: value })])),
      el("h3", { text: "Roles" }),
      list(user.roles),
      el("h3", { text: "Effective scopes (global roles)" }),
      list(access.scopes),
      el("h3", { text: "Organization memberships" }),
      organizations.length ? el("div", { class: "scroll" }, table("Organization memberships", ["Organization", "Roles", "Scopes there"], organizations)) : el("p", { class: "muted", text: "None that you may see." }),
      el("h3", { text: "Scopes a login token may carry" }),
      list(access.token_scopes),
    ];
  }

  async function lookUp(username) {
    if (!session.scopes.has("users:read")) throw new Error("looking users up needs users:read, which this login does not hold");
    const name = encodeURIComponent(username);
    const [access, sessions] = await Promise.all([apiJson(`/users/${name}/access`), apiJson(`/users/${name}/sessions`)]);
    byId("users-result").replaceChildren(
      ...accessPart(access),
      el("h3", { text: "Live sessions" }),
      el("div", { class: "scroll", id: "users-sessions" }, sessionsTable(access.user.username, sessions)),
    );
  }

  LOADERS.users = async () => {
    if (!session.scopes.has("users:read")) throw new Error("looking users up needs users:read, which this login does not hold");
  };

  async function endSession(username, id) {
    await api(`/users/${encodeURIComponent(username)}/sessions/${encodeURIComponent(id)}`, "DELETE");
    if (session) await lookUp(username);
  }

  // --- Policy ----------------------------------------------------------------------------------------

  function problems(items) {
    return el("ul", { class: "problems" }, items.map((p) => el("li", {}, el("code", { text: p }))));
  }

  LOADERS.policy = async () => {
    const [policy, pending] = await Promise.all([apiJson("/policy"), apiJson("/policy/pending")]);
    const parts = [
      el("h3", { text: "In force" }),
      el("dl", { class: "facts" }, el("dt", { text: "Version" }), el("dd", {}, el("code", { text: policy.version })), el("dt", { text: "Loaded" }), el("dd", { text: when(policy.loaded_at) }), el("dt", { text: "Default role" }), el("dd", { text: policy.default_role })),
      el("h4", { text: "Files" }),
      list(policy.files),
      el("h3", { text: "Files on disk" }),
    ];
    if (pending.problems.length) {
      parts.push(el("p", { class: "verdict deny", text: "The files on disk would be rejected:" }), problems(pending.problems));
    } else if (!pending.changes.length) {
      parts.push(el("p", { text: `Same as the policy in force (version ${pending.on_disk_version}).` }));
    } else {
      const rows = pending.changes.map((c) => el("tr", {}, el("td", { text: c.role }), el("td", { text: c.kind }), el("td", {}, el("code", { text: c.what })), el("td", { text: c.old }), el("td", { text: c.new })));
      parts.push(el("p", { text: `Version ${pending.on_disk_version} would change:` }), el("div", { class: "scroll" }, table("What the files on disk would change", ["Role", "Kind", "What", "Now", "Then"], rows)));
    }
    parts.push(el("h3", { text: "Last rejected change" }));
    if (pending.rejected) {
      parts.push(el("p", { class: "rejected", text: `Rejected ${when(pending.rejected.at)}; the policy in force stayed.` }), problems(pending.rejected.problems));
    } else {
      parts.push(el("p", { class: "muted", text: "None since the service started." }));
    }
    byId("policy-result").replaceChildren(...parts);
  };

  // --- Denials ---------------------------------------------------------------------------------------

  async function loadDenials() {
    const params = {
      limit: byId("denials-limit").value.trim(),
      user: byId("denials-user").value.trim(),
      scope: byId("denials-scope").value.trim(),
      route: byId("denials-route").value.trim(),
    };
    const found = await apiJson(`/audit/denials${query(params)}`);
    const rows = found.items.map((d) =>
      el("tr", {}, el("td", { text: when(d.at) }), el("td", { text: d.username || "-" }), el("td", {}, el("code", { text: d.target })), el("td", {}, list(d.missing_scopes)), el("td", {}, list(d.required_scopes)), el("td", {}, el("code", { text: d.policy_version }))),
    );
    const result = rows.length
      ? table("Recent denials, newest first", ["When", "User", "Route or field", "Missing", "Required", "Policy"], rows)
      : el("p", { class: "muted", text: "No denial matches." });
    byId("denials-table").replaceChildren(result, el("p", { class: "hint", text: `This process keeps the last ${found.kept} denials.` }));
  }

  LOADERS.denials = loadDenials;

  // --- wiring ----------------------------------------------------------------------------------------

  function onSubmit(id, view, task) {
    byId(id).addEventListener("submit", (event) => {
      event.preventDefault();
      run(view, task);
    });
  }

  function start() {
    byId("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const message = byId("login-message");
      const username = byId("login-username").value.trim();
      const password = byId("login-password").value;
      if (!username || !password) {
        message.textContent = "Give your user name and password.";
        return;
      }
      message.textContent = "Logging in…";
      try {
        await logIn(username, password);
        byId("login-password").value = "";
        message.textContent = "";
        showApp();
      } catch (error) {
        message.textContent = error.message;
      }
    });
    byId("logout").addEventListener("click", () => logOut());
    for (const tab of tabs()) {
      tab.addEventListener("click", () => select(tab.dataset.view));
      tab.addEventListener("keydown", onTabKey);
    }
    onSubmit("matrix-form", "matrix", loadMatrix);
    onSubmit("ask-form", "ask", ask);
    onSubmit("users-form", "users", () => lookUp(byId("users-name").value.trim()));
    onSubmit("denials-form", "denials", loadDenials);
    byId("policy-reload").addEventListener("click", () => run("policy", LOADERS.policy));
    showLogin("");
  }

  start();
})();
