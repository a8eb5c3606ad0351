/* 取号机: take a number (or check an appointment in), show and print the ticket, return by itself. */
"use strict";

(() => {
  const root = document.getElementById("kiosk");
  const base = root.dataset.api;
  const L = Queue.labels;
  const take = document.getElementById("take");
  const checkin = document.getElementById("checkin");
  const ticketCard = document.getElementById("ticket");
  let backTimer = null;
  // Outside opening hours the buttons stay off; the page reloads when the point opens or closes.
  const closed = Boolean(document.getElementById("closed"));
  const changeAt = root.dataset.changeAt ? Date.parse(root.dataset.changeAt) : NaN;

  function tab(name) {
    document.querySelectorAll("[data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === name)));
    take.classList.toggle("hidden", name !== "take");
    checkin.classList.toggle("hidden", name !== "checkin");
    ticketCard.classList.add("hidden");
  }

  function reset() {
    clearTimeout(backTimer);
    document.getElementById("phone").value = "";
    document.getElementById("id_number").value = "";
    document.getElementById("reference").value = "";
    document.getElementById("checkin-phone").value = "";
    document.querySelector("input[name=priority][value='']").checked = true;
    Queue.show(document.getElementById("take-problem"), "");
    Queue.show(document.getElementById("checkin-problem"), "");
    document.querySelector(".tabs").classList.remove("hidden");
    tab("take");
    refresh();
  }

  function showTicket(ticket) {
    document.getElementById("ticket-number").textContent = ticket.number;
    document.getElementById("ticket-category").textContent = ticket.category_name;
    document.getElementById("ticket-ahead").textContent = ticket.ahead > 0 ? Queue.format(L.ahead, { n: ticket.ahead }) : L.none_ahead;
    document.getElementById("ticket-time").textContent = Queue.stamp(new Date(ticket.taken_at));
    take.classList.add("hidden");
    checkin.classList.add("hidden");
    document.querySelector(".tabs").classList.add("hidden");
    ticketCard.classList.remove("hidden");
    backTimer = setTimeout(reset, 20000);
  }

  async function refresh() {
    try {
      const info = await Queue.api(base);
      for (const c of info.categories) {
        const slot = document.querySelector(`[data-waiting="${c.code}"]`);
        if (slot) slot.textContent = `${L.waiting} ${c.waiting} ${L.people}`;
      }
    } catch (error) {
      /* the buttons still work; counts come back with the next refresh */
    }
  }

  document.querySelectorAll("[data-tab]").forEach((b) => b.addEventListener("click", () => tab(b.dataset.tab)));
  // The self-service kiosk's 预约签到 tile opens this page on its check-in tab.
  if (new URLSearchParams(window.location.search).get("tab") === "checkin") tab("checkin");

  document.getElementById("categories").addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-category]");
    if (!button) return;
    const problem = document.getElementById("take-problem");
    Queue.show(problem, "");
    document.querySelectorAll("#categories button").forEach((b) => (b.disabled = true));
    try {
      const ticket = await Queue.api(base + "tickets/", {
        method: "POST",
        body: {
          category: button.dataset.category,
          priority: document.querySelector("input[name=priority]:checked").value,
          phone: document.getElementById("phone").value.trim(),
          id_number: document.getElementById("id_number").value.trim(),
        },
      });
      showTicket(ticket);
    } catch (error) {
      Queue.show(problem, Queue.explain(error));
    } finally {
      document.querySelectorAll("#categories button").forEach((b) => (b.disabled = closed));
    }
  });

  document.getElementById("checkin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = document.getElementById("checkin-problem");
    Queue.show(problem, "");
    const reference = document.getElementById("reference").value.trim().toUpperCase();
    try {
      const ticket = await Queue.api(`/api/v1/queue/bookings/${encodeURIComponent(reference)}/check-in/`, {
        method: "POST",
        body: { phone: document.getElementById("checkin-phone").value.trim() },
      });
      showTicket(ticket);
    } catch (error) {
      Queue.show(problem, Queue.explain(error));
    }
  });

  document.getElementById("print").addEventListener("click", () => window.print());
  document.getElementById("done").addEventListener("click", reset);

  refresh();
  setInterval(refresh, 10000);
  if (!Number.isNaN(changeAt)) {
    setInterval(() => {
      if (Date.now() >= changeAt && ticketCard.classList.contains("hidden")) window.location.reload();
    }, 30000);
  }
})();
