/* 叫号大屏: poll the board every 1.5 s, show the current numbers, the queues and the last calls, and
   read each new call aloud once (the browser's own speech synthesis, after one click to allow sound). */
"use strict";

(() => {
  const grid = document.querySelector(".board-grid");
  const url = grid.dataset.api;
  const L = Queue.labels;
  const POLL_MS = 1500;
  let after = null;
  let speaking = false;
  const spoken = [];
  let lastCurrent = null;

  function say(text) {
    if (!speaking || !("speechSynthesis" in window)) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = "zh-CN";
    utterance.rate = 0.85;
    window.speechSynthesis.speak(utterance);
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function render(data) {
    const current = document.getElementById("current");
    const key = data.current.map((c) => c.number + "@" + c.window).join(",");
    if (key !== lastCurrent) {
      const before = new Set((lastCurrent || "").split(","));
      current.replaceChildren();
      if (!data.current.length) {
        const tr = document.createElement("tr");
        const td = cell(L.no_calls);
        td.colSpan = 3;
        tr.append(td);
        current.append(tr);
      }
      for (const c of data.current) {
        const tr = document.createElement("tr");
        tr.dataset.number = c.number;
        if (lastCurrent !== null && !before.has(c.number + "@" + c.window)) tr.className = "fresh";
        tr.append(cell(c.number, "num"), cell(Queue.format(L.window, { n: c.window }), "win"), cell(c.category));
        current.append(tr);
      }
      lastCurrent = key;
    }
    const queues = document.getElementById("queues");
    queues.replaceChildren(
      ...data.queues.map((q) => {
        const li = document.createElement("li");
        const name = document.createElement("span");
        name.textContent = `${q.letter} ${q.name}`;
        const n = document.createElement("strong");
        n.textContent = `${q.waiting} ${L.people}`;
        n.dataset.waiting = q.code;
        li.append(name, n);
        return li;
      }),
    );
    const recent = document.getElementById("recent");
    recent.replaceChildren(
      ...data.recent.map((r) => {
        const li = document.createElement("li");
        li.textContent = `${Queue.time(r.at)}  ${r.number} → ${Queue.format(L.window, { n: r.window })}`;
        return li;
      }),
    );
    for (const a of data.announcements) {
      if (spoken.includes(a.event)) continue;
      spoken.push(a.event);
      document.getElementById("speech").textContent = a.text;
      say(a.text);
      say(a.text);
    }
    if (after === null && data.current.length) {
      document.getElementById("speech").textContent = data.current[data.current.length - 1].text;
    }
    after = data.last_event;
    while (spoken.length > 50) spoken.shift();
  }

  async function poll() {
    try {
      const query = after === null ? "" : `?after=${after}`;
      render(await Queue.api(url + query));
    } catch (error) {
      /* keep showing the last state; the next poll tries again */
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  /* The voice switch is remembered on this screen (localStorage), so a board that restarts in the
     morning speaks again without anyone reaching for a mouse. Chromium lets speech start only after a
     user gesture unless the screen runs with --autoplay-policy=no-user-gesture-required (docs). */
  const VOICE_KEY = "yichuang.board.voice";
  const sound = document.getElementById("sound");

  function remembered() {
    try {
      return window.localStorage.getItem(VOICE_KEY) === "on";
    } catch (error) {
      return false; /* storage disabled: the switch starts off, as before */
    }
  }

  function setVoice(on, announce) {
    speaking = on;
    try {
      window.localStorage.setItem(VOICE_KEY, on ? "on" : "off");
    } catch (error) {
      /* not remembered; it still works for this visit */
    }
    sound.setAttribute("aria-pressed", on ? "true" : "false");
    sound.textContent = on ? L.speech_stop : L.speech_start;
    if (on && announce) say(L.speech_on);
    if (!on && "speechSynthesis" in window) window.speechSynthesis.cancel();
  }

  sound.addEventListener("click", () => setVoice(!speaking, true));
  setVoice(remembered(), false);

  function tick() {
    document.getElementById("clock").textContent = Queue.stamp();
  }
  tick();
  setInterval(tick, 1000);
  poll();
})();
