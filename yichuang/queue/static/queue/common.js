/* 一窗 · the hall's pages: one way to talk to the JSON API and show its Chinese errors. */
"use strict";

const Queue = (() => {
  const labels = JSON.parse(document.getElementById("queue-labels").textContent);

  function cookie(name) {
    const found = document.cookie.split(";").map((c) => c.trim()).find((c) => c.startsWith(name + "="));
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  /** Call the API; resolve with the JSON body, or reject with {status, detail, fields}. */
  async function api(url, options = {}) {
    const headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang || "zh-hans" };
    const init = { method: options.method || "GET", headers, credentials: "same-origin" };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (init.method !== "GET") {
      headers["X-CSRFToken"] = cookie("csrftoken");
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      throw { status: 0, detail: labels.network, fields: {} };
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && body.detail ? body.detail : labels.error + " (" + response.status + ")";
      throw { status: response.status, detail, fields: (body && body.fields) || {} };
    }
    return body;
  }

  /** The error's sentence, with the first field message when the sentence is the generic one. */
  function explain(error) {
    const fields = error.fields || {};
    const first = Object.values(fields).flat()[0];
    return first && first !== error.detail ? error.detail + " " + first : error.detail;
  }

  function show(element, text) {
    element.textContent = text || "";
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
  }

  function time(iso) {
    const d = new Date(iso);
    return d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: labels.tz });
  }

  function stamp(date) {
    return (date || new Date()).toLocaleString("zh-CN", { hour12: false, timeZone: labels.tz });
  }

  return { labels, api, explain, show, format, time, stamp };
})();
