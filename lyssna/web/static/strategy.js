// The strategy editor: jump from a problem to its line and column, and show where the cursor is.
// Progressive enhancement only; the editor works without it.

const text = document.getElementById("strategy-text");
const where = document.getElementById("cursor-position");

function offsetOf(value, line, column) {
  const lines = value.split("\n");
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i += 1) offset += lines[i].length + 1;
  const current = lines[Math.min(line - 1, lines.length - 1)] || "";
  return offset + Math.min(Math.max(column - 1, 0), current.length);
}

function showPosition() {
  if (!text || !where) return;
  const before = text.value.slice(0, text.selectionStart).split("\n");
  const label = where.dataset.label || "Line {line}, column {column}";
  where.textContent = label
    .replace("{line}", String(before.length))
    .replace("{column}", String(before[before.length - 1].length + 1));
}

if (text) {
  for (const link of document.querySelectorAll("a.problem-at")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const at = offsetOf(text.value, Number(link.dataset.line), Number(link.dataset.column));
      text.focus();
      text.setSelectionRange(at, at + 1);
      // Scroll the line into view: roughly its share of the whole text.
      const lineCount = text.value.split("\n").length || 1;
      text.scrollTop = (text.scrollHeight * (Number(link.dataset.line) - 3)) / lineCount;
      showPosition();
    });
  }
  for (const name of ["keyup", "click", "select"]) text.addEventListener(name, showPosition);
}
