/* Chorus conversion snippet for {{ organization_name|escapejs }}. Dependency-free.
 *
 * 1. On every page: reads the `chorus_click` parameter of a tracked link's landing
 *    address and keeps the first and the latest click id in a first-party cookie
 *    (`_chorus_click`, 90 days, SameSite=Lax, Secure on https). Add
 *    data-cookie-domain="acme.example" to the script tag to share it across subdomains.
 * 2. Where a conversion happens, call
 *      window.chorus.convert({kind: "lead", value: 120, currency: "EUR",
 *                             event_id: "crm-lead-4711", label: ""});
 *    which sends it to Chorus with the remembered click ids and returns a Promise.
 *    `kind` is one of lead, signup, application, hire, purchase, custom (custom needs a
 *    label). Give your own event_id to make a repeated call count once.
 */
(function (w, d) {
  "use strict";
  var ENDPOINT = "{{ endpoint|escapejs }}";
  var COOKIE = "_chorus_click";
  var PARAM = "chorus_click";
  var MAX_AGE = 90 * 24 * 3600;
  var CLICK_ID = /^[0-9A-Za-z._-]{1,80}$/;
  var script = d.currentScript;
  var cookieDomain = script ? script.getAttribute("data-cookie-domain") : null;

  function valid(id) {
    return typeof id === "string" && CLICK_ID.test(id) ? id : "";
  }

  function read() {
    var match = d.cookie.match(/(?:^|;\s*)_chorus_click=([^;]*)/);
    if (!match) {
      return { first: "", last: "" };
    }
    var parts = decodeURIComponent(match[1]).split("~");
    return { first: valid(parts[0]), last: valid(parts[1]) };
  }

  function write(first, last) {
    var cookie = COOKIE + "=" + encodeURIComponent(first + "~" + last) +
      "; Max-Age=" + MAX_AGE + "; Path=/; SameSite=Lax";
    if (cookieDomain) {
      cookie += "; Domain=" + cookieDomain;
    }
    if (w.location.protocol === "https:") {
      cookie += "; Secure";
    }
    d.cookie = cookie;
  }

  function remember() {
    var id = "";
    try {
      id = valid(new URLSearchParams(w.location.search).get(PARAM) || "");
    } catch (error) {
      id = "";
    }
    if (id) {
      var stored = read();
      write(stored.first || id, id);
    }
  }

  function eventId() {
    if (w.crypto && w.crypto.randomUUID) {
      return "js-" + w.crypto.randomUUID();
    }
    return "js-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function convert(options) {
    options = options || {};
    var ids = read();
    var payload = {
      event_id: options.event_id ? String(options.event_id) : eventId(),
      kind: String(options.kind || "lead"),
      label: options.label ? String(options.label) : "",
      value: options.value === undefined || options.value === null ? null : String(options.value),
      currency: options.currency ? String(options.currency) : "",
      first_click_id: ids.first,
      last_click_id: ids.last
    };
    var body = JSON.stringify(payload);
    // text/plain keeps it a "simple" cross-origin request: no preflight round trip.
    if (w.fetch) {
      return w.fetch(ENDPOINT, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        keepalive: true,
        headers: { "Content-Type": "text/plain;charset=UTF-8" },
        body: body
      }).then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            throw new Error(data.error || ("Chorus answered " + response.status));
          }
          return data;
        });
      });
    }
    if (w.navigator && w.navigator.sendBeacon) {
      w.navigator.sendBeacon(ENDPOINT, body);
    }
    return Promise.resolve({ event_id: payload.event_id, queued: true });
  }

  remember();
  var queued = (w.chorus && w.chorus.q) || [];
  w.chorus = {
    convert: convert,
    clickIds: read
  };
  for (var i = 0; i < queued.length; i += 1) {
    convert(queued[i]);
  }
})(window, document);
