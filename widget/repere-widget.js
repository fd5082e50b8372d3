/*
 * Repère — widget de discussion pour les sites des mairies.
 * One <script> tag, no build step, no framework. Talks to Rasa's REST channel, or to its
 * socket.io channel with data-transport="socketio" (vendor/socket.io.min.js, loaded then).
 *
 *   <script src="https://…/repere-widget.js" defer      (repere-widget.css, next to it, is loaded by the script)
 *           data-serveur="https://assistant.example.fr"
 *           data-france-services="France Services du Lude"
 *           data-telephone="39 39"
 *           data-couleur="#000091"></script>
 *
 * Safety: nothing coming from a message (citizen or bot) is ever inserted as HTML: text
 * nodes only; links are built element by element and only for http(s) addresses.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var config = {
    server: (script && script.dataset.serveur) || "http://localhost:5005",
    franceServices: (script && script.dataset.franceServices) || "votre France Services",
    phone: (script && script.dataset.telephone) || "39 39",
    color: (script && script.dataset.couleur) || "#000091",
    transport: (script && script.dataset.transport) === "socketio" ? "socketio" : "rest",
    maxLength: 1000,
    timeoutMs: 30000,
    quietMs: 700  /* socket.io sends an answer's bubbles one by one: the answer is whole after this silence */
  };
  var STORE_ID = "repere.sender";
  var STORE_LOG = "repere.log";
  var STORE_OPEN = "repere.open";
  var LIST_ITEM = /^(\s*)[-•▸]\s+(.*)$/;
  var URL_PATTERN = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])/g;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function senderId() {
    var id = sessionStorage.getItem(STORE_ID);
    if (!id) {
      var bytes = crypto.getRandomValues(new Uint8Array(16));  /* unguessable: it names the conversation */
      id = "web-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      sessionStorage.setItem(STORE_ID, id);
    }
    return id;
  }

  function loadLog() {
    try { return JSON.parse(sessionStorage.getItem(STORE_LOG)) || []; } catch (e) { return []; }
  }

  function saveLog(log) {
    sessionStorage.setItem(STORE_LOG, JSON.stringify(log.slice(-100)));
  }

  /* Plain text and safe links of one line, as DOM nodes (never innerHTML). */
  function inline(line) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    line.replace(URL_PATTERN, function (url, _group, offset) {
      if (offset > last) fragment.appendChild(document.createTextNode(line.slice(last, offset)));
      var link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url });
      link.appendChild(el("span", { "class": "repere-sr", text: " (nouvel onglet)" }));
      fragment.appendChild(link);
      last = offset + url.length;
      return url;
    });
    if (last < line.length) fragment.appendChild(document.createTextNode(line.slice(last)));
    return fragment;
  }

  /* A message: lines become paragraphs; lines starting with "-", "•" or "▸" become list items. */
  function richText(text) {
    var fragment = document.createDocumentFragment();
    var list = null;
    String(text).split("\n").forEach(function (line) {
      var item = LIST_ITEM.exec(line);
      if (item) {
        if (!list) list = fragment.appendChild(el("ul", { "class": "repere-list" }));
        var li = el("li", { "class": item[1].length >= 2 ? "repere-sub" : "" });
        li.appendChild(inline(item[2]));
        list.appendChild(li);
      } else if (line.trim()) {
        list = null;
        var paragraph = el("span", { "class": "repere-line" });
        paragraph.appendChild(inline(line.trim()));
        fragment.appendChild(paragraph);
      }
    });
    return fragment;
  }

  /* The stylesheet next to the script, unless the page already has it: one <script> tag is enough. */
  function loadStyles() {
    if (!script || document.querySelector("link[data-repere]") || !script.src) return;
    var link = el("link", { rel: "stylesheet", href: script.src.replace(/\.js(\?.*)?$/, ".css"), "data-repere": "" });
    document.head.appendChild(link);
  }

  function build() {
    var root = el("div", { "class": "repere-root", lang: "fr" });
    root.style.setProperty("--repere-couleur", config.color);

    var launcher = el("button", { type: "button", "class": "repere-launcher", "aria-expanded": "false",
                                  "aria-controls": "repere-panel", text: "Une démarche ? Posez votre question" });
    var title = el("h2", { id: "repere-title", "class": "repere-title", text: "Repère, l'assistant de " + config.franceServices });
    var close = el("button", { type: "button", "class": "repere-close", "aria-label": "Fermer la discussion", text: "×" });
    var log = el("div", { "class": "repere-log", role: "log", "aria-live": "polite", "aria-label": "Conversation avec Repère",
                         tabindex: "0" });
    var typing = el("p", { "class": "repere-typing", role: "status", "aria-live": "polite" });
    var label = el("label", { "for": "repere-input", "class": "repere-sr", text: "Votre message" });
    var input = el("input", { id: "repere-input", type: "text", autocomplete: "off", maxlength: String(config.maxLength),
                              placeholder: "Écrivez votre démarche…", "aria-describedby": "repere-privacy" });
    var send = el("button", { type: "submit", "class": "repere-send", text: "Envoyer" });
    var privacy = el("p", { id: "repere-privacy", "class": "repere-privacy",
                            text: "Ne tapez pas votre numéro de sécurité sociale ni vos coordonnées bancaires." });
    var form = el("form", { "class": "repere-form" }, [label, input, send]);
    var panel = el("section", { id: "repere-panel", "class": "repere-panel", role: "dialog", "aria-labelledby": "repere-title",
                                hidden: "" },
                   [el("header", { "class": "repere-header" }, [title, close]), log, typing, form, privacy]);
    root.appendChild(launcher);
    root.appendChild(panel);
    document.body.appendChild(root);
    return { root: root, launcher: launcher, panel: panel, close: close, log: log, typing: typing, form: form, input: input,
             send: send };
  }

  function Widget() {
    this.ui = build();
    this.history = loadLog();
    this.pending = null; // the last message sent, for "Réessayer"
    var self = this;
    this.ui.launcher.addEventListener("click", function () { self.toggle(true); });
    this.ui.close.addEventListener("click", function () { self.toggle(false); });
    this.ui.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") self.toggle(false);
    });
    this.ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = self.ui.input.value.trim();
      if (!text) { self.ui.input.focus(); return; }
      self.ui.input.value = "";
      self.post(text, text);
    });
    this.history.forEach(function (entry) { self.render(entry, false); });
    if (sessionStorage.getItem(STORE_OPEN) === "1") this.toggle(true, true);
  }

  Widget.prototype.toggle = function (open, restoring) {
    this.ui.panel.hidden = !open;
    this.ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    this.ui.launcher.hidden = open;
    sessionStorage.setItem(STORE_OPEN, open ? "1" : "0");
    if (open) {
      if (!this.history.length && !restoring) this.post("/greet", null);
      this.ui.input.focus();
      this.scroll();
    } else {
      this.ui.launcher.focus();
    }
  };

  Widget.prototype.scroll = function () {
    this.ui.log.scrollTop = this.ui.log.scrollHeight;
  };

  /* One entry: {from: "user"|"bot"|"error", text, buttons: [{title, payload}]} */
  Widget.prototype.render = function (entry, live) {
    var self = this;
    var who = entry.from === "user" ? "Vous" : "Repère";
    var item = el("div", { "class": "repere-msg repere-" + entry.from });
    item.appendChild(el("span", { "class": "repere-sr", text: who + " : " }));
    var bubble = el("div", { "class": "repere-bubble" });
    bubble.appendChild(richText(entry.text));
    item.appendChild(bubble);
    if (entry.buttons && entry.buttons.length) {
      var group = el("ul", { "class": "repere-buttons", "aria-label": "Réponses proposées" });
      entry.buttons.forEach(function (button) {
        var choice = el("button", { type: "button", "class": "repere-choice", text: button.title });
        choice.addEventListener("click", function () { self.post(button.payload, button.title); });
        group.appendChild(el("li", {}, [choice]));
      });
      item.appendChild(group);
    }
    if (entry.from === "error") {
      var retry = el("button", { type: "button", "class": "repere-retry", text: "Réessayer" });
      retry.addEventListener("click", function () {
        item.remove();
        if (self.pending) self.post(self.pending.message, null);
      });
      item.appendChild(retry);
    }
    this.ui.log.appendChild(item);
    if (live) this.scroll();
    return item;
  };

  /* Only Repère's answers are kept for a reload: what the citizen typed is never stored in the browser. */
  Widget.prototype.remember = function (entry) {
    if (entry.from === "bot") {
      this.history.push(entry);
      saveLog(this.history);
    }
    return this.render(entry, true);
  };

  Widget.prototype.setBusy = function (busy) {
    this.ui.typing.textContent = busy ? "Repère écrit…" : "";
    this.ui.typing.classList.toggle("repere-busy", busy);
    this.ui.send.disabled = busy;
  };

  /* The answer's bubbles as [{text, buttons}], over REST: one request, one reply. */
  function overRest(message) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, config.timeoutMs);
    return fetch(config.server.replace(/\/$/, "") + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: senderId(), message: message }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (replies) {
      clearTimeout(timer);
      return (replies || []).map(function (r) { return { text: r.text, buttons: r.buttons }; });
    }, function (error) { clearTimeout(timer); throw error; });
  }

  /* Over socket.io: one connection per page, joined to the conversation's session; the bubbles
     of an answer arrive as separate events, gathered until config.quietMs of silence. */
  var socket = null;
  function connectSocket() {
    if (socket) return socket;
    socket = new Promise(function (resolve, reject) {
      var tag = el("script", { src: script.src.replace(/repere-widget\.js(\?.*)?$/, "vendor/socket.io.min.js") });
      tag.onerror = function () { socket = null; reject(new Error("socket.io indisponible")); };
      tag.onload = function () {
        var io = window.io(config.server, { path: "/socket.io", reconnectionDelayMax: 5000 });
        var joined = function () { io.emit("session_request", { session_id: senderId() }); };
        io.on("connect", joined);
        io.once("session_confirm", function () { resolve(io); });
        io.on("connect_error", function () { socket = null; io.close(); reject(new Error("connexion impossible")); });
      };
      document.head.appendChild(tag);
    });
    return socket;
  }

  function overSocket(message) {
    return connectSocket().then(function (io) {
      return new Promise(function (resolve, reject) {
        var bubbles = [];
        var quiet = null;
        var limit = setTimeout(function () { finish(); }, config.timeoutMs);
        function finish() {
          clearTimeout(limit); clearTimeout(quiet);
          io.off("bot_uttered", heard);
          if (bubbles.length) resolve(bubbles); else reject(new Error("pas de réponse"));
        }
        function heard(reply) {
          bubbles.push({ text: reply && reply.text, buttons: reply && (reply.quick_replies || reply.buttons) });
          clearTimeout(quiet);
          quiet = setTimeout(finish, config.quietMs);
        }
        io.on("bot_uttered", heard);
        io.emit("user_uttered", { message: message, session_id: senderId() });
      });
    });
  }

  /* message: what Rasa receives; shown: what the citizen sees as their message (null: nothing) */
  Widget.prototype.post = function (message, shown) {
    var self = this;
    if (shown !== null) this.remember({ from: "user", text: shown });
    this.pending = { message: message };
    this.setBusy(true);
    var send = config.transport === "socketio" ? overSocket : overRest;
    send(message.slice(0, config.maxLength)).then(function (replies) {
      var texts = replies.filter(function (r) { return typeof r.text === "string" && r.text; });
      if (!texts.length) throw new Error("réponse vide");
      var last;
      texts.forEach(function (reply) {
        last = self.remember({ from: "bot", text: reply.text,
                               buttons: (reply.buttons || []).filter(function (b) { return b && b.title && b.payload; }) });
      });
      self.pending = null;
      self.afterAnswer(last);
    }).catch(function () {
      var item = self.remember({ from: "error", text: "Le service est momentanément indisponible. Vous pouvez appeler " +
        config.franceServices + " au " + config.phone + ", ou réessayer dans un instant." });
      self.afterAnswer(item);
    }).then(function () {
      self.setBusy(false);
    });
  };

  /* Focus after an answer: back to the input (the log announces the answer); on an error, the retry. */
  Widget.prototype.afterAnswer = function (item) {
    if (this.ui.panel.hidden) return;
    var retry = item && item.querySelector(".repere-retry");
    (retry || this.ui.input).focus();
  };

  function start() { loadStyles(); window.repere = new Widget(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
