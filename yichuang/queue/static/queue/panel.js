/* 叫号面板: call the next number to this window, recall, serve (linking the cases it produced), mark a
   no-show, transfer; check appointments in and take numbers for people; refreshed every 3 s. */
"use strict";

(() => {
  const grid = document.getElementById("panel");
  const windowId = grid.dataset.window;
  const point = grid.dataset.point;
  const L = Queue.labels;
  const problem = document.getElementById("problem");
  let current = null;

  function setCurrent(ticket) {
    current = ticket;
    document.getElementById("current-number").textContent = ticket ? ticket.number : "—";
    let detail = L.idle;
    if (ticket) {
      const waited = Math.round((ticket.wait_seconds || 0) / 60);
      detail = `${ticket.category_name}` + (ticket.priority ? ` · ${L.priority}` : "") +
        ` · ${L.taken} ${Queue.time(ticket.taken_at)} · ` + Queue.format(L.waited, { n: waited });
    }
    document.getElementById("current-detail").textContent = detail;
    const allowed = ticket ? ticket.allowed_actions : [];
    document.querySelectorAll("[data-action]").forEach((b) => (b.disabled = !allowed.includes(b.dataset.action)));
    document.getElementById("call").disabled = Boolean(ticket);
  }

  function item(text, button) {
    const li = document.createElement("li");
    const span = document.createElement("span");
    span.textContent = text;
    li.append(span);
    if (button) li.append(button);
    return li;
  }

  async function refresh() {
    try {
      const w = await Queue.api(`/api/v1/queue/windows/${windowId}/`);
      setCurrent(w.current);
      document.getElementById("waiting-here").textContent = Queue.format(L.waiting_here, { n: w.waiting });
      const waiting = await Queue.api(`/api/v1/queue/tickets/?point=${encodeURIComponent(point)}&status=waiting&page_size=50`);
      const list = document.getElementById("waiting");
      list.replaceChildren(
        ...(waiting.results.length ? waiting.results.map((t) =>
          item(`${t.number} ${t.category_name}${t.priority ? " · " + L.priority : ""}${t.transfer_to ? " → " + Queue.format(L.window, { n: t.transfer_to }) : ""}`),
        ) : [item(L.no_one)]),
      );
      const gone = await Queue.api(`/api/v1/queue/tickets/?point=${encodeURIComponent(point)}&status=no_show&page_size=50`);
      document.getElementById("no-shows").replaceChildren(
        ...(gone.results.length ? gone.results.map((t) => {
          const again = document.createElement("button");
          again.type = "button";
          again.className = "secondary";
          again.textContent = L.requeue;
          again.addEventListener("click", () => act(t.id, "requeue", {}, L.requeued));
          return item(`${t.number} ${t.category_name}`, again);
        }) : [item(L.no_one)]),
      );
    } catch (error) {
      Queue.show(problem, Queue.explain(error));
    }
  }

  async function act(id, action, body, done) {
    Queue.show(problem, "");
    try {
      await Queue.api(`/api/v1/queue/tickets/${id}/actions/${action}/`, { method: "POST", body });
      if (done) Queue.show(problem, done);
      if (action === "serve") document.getElementById("cases").value = "";
    } catch (error) {
      Queue.show(problem, Queue.explain(error));
    }
    await refresh();
  }

  document.getElementById("call").addEventListener("click", async () => {
    Queue.show(problem, "");
    try {
      setCurrent(await Queue.api(`/api/v1/queue/windows/${windowId}/call/`, { method: "POST" }));
    } catch (error) {
      Queue.show(problem, Queue.explain(error));
    }
    refresh();
  });

  document.querySelectorAll("[data-action]").forEach((button) =>
    button.addEventListener("click", () => {
      if (!current) return;
      const action = button.dataset.action;
      const body = {};
      if (action === "serve") {
        body.cases = document.getElementById("cases").value.split(/[,，\s]+/).filter(Boolean);
      }
      if (action === "transfer") {
        body.window = Number(document.getElementById("transfer-to").value);
      }
      act(current.id, action, body);
    }),
  );

  document.getElementById("checkin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = document.getElementById("checkin-result");
    const reference = document.getElementById("reference").value.trim().toUpperCase();
    try {
      const a = await Queue.api(`/api/v1/queue/appointments/${encodeURIComponent(reference)}/actions/check_in/`, { method: "POST" });
      Queue.show(out, L.checked_in + a.ticket);
      document.getElementById("reference").value = "";
    } catch (error) {
      Queue.show(out, Queue.explain(error));
    }
    refresh();
  });

  document.getElementById("take-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = document.getElementById("take-result");
    try {
      const t = await Queue.api("/api/v1/queue/tickets/", {
        method: "POST",
        body: {
          point,
          category: document.getElementById("take-category").value,
          priority: document.getElementById("take-priority").value,
        },
      });
      Queue.show(out, L.taken_for + t.number);
    } catch (error) {
      Queue.show(out, Queue.explain(error));
    }
    refresh();
  });

  refresh();
  setInterval(refresh, 3000);
})();
