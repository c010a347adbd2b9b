// "A colleague is writing": while the reply box is in use, tell the server every few seconds;
// meanwhile show who else is writing a reply to the same item. Progressive enhancement only:
// without it the page still warns before a reply is sent over a colleague's.

const box = document.getElementById("reply-text");
const notice = document.getElementById("colleague-writing");
const EVERY = 5_000; // the server forgets a beat after 30 s

function show(writers) {
  if (!notice || !box) return;
  if (!writers.length) {
    notice.hidden = true;
    notice.textContent = "";
    return;
  }
  const template = writers.length === 1 ? box.dataset.one : box.dataset.many;
  notice.textContent = template.replace("{names}", writers.map((w) => w.name).join(", "));
  notice.hidden = false;
}

async function call(method) {
  const response = await fetch(box.dataset.presence, {
    method,
    headers: { "X-CSRF-Token": box.dataset.csrf, Accept: "application/json" },
    credentials: "same-origin",
    keepalive: method === "DELETE",
  });
  if (!response.ok || method === "DELETE") return;
  const body = await response.json();
  show(body.writing || []);
}

function writing() {
  return document.activeElement === box || box.value.trim() !== "";
}

if (box && box.dataset.presence) {
  let beating = false;
  const beat = () => call("POST").catch(() => {});
  const start = () => {
    if (!beating) {
      beating = true;
      beat();
    }
  };
  box.addEventListener("focus", start);
  box.addEventListener("input", start);
  // One timer: beat while writing, stop when the box is left empty, otherwise just look.
  setInterval(() => {
    if (beating && writing()) beat();
    else if (beating) {
      beating = false;
      call("DELETE").catch(() => {});
    } else call("GET").catch(() => {});
  }, EVERY);
  window.addEventListener("pagehide", () => {
    if (beating) call("DELETE").catch(() => {});
  });
  if (box.value.trim() !== "") start(); // a saved reply was inserted: the person is writing
}
