// Small progressive enhancements; every page works without them.

// Selects marked data-autosubmit submit their form on change (workspace switcher).
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.submit());
  const button = select.form.querySelector(".js-hide");
  if (button) button.hidden = true;
}

// Forms marked data-confirm ask before a destructive post.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// "Edit" on the topics page fills the form in place instead of reloading.
for (const link of document.querySelectorAll("a[data-edit-topic]")) {
  link.addEventListener("click", (event) => {
    const form = document.querySelector("#topic-form form");
    if (!form) return;
    event.preventDefault();
    form.elements.topic_id.value = link.dataset.id;
    form.elements.name.value = link.dataset.name;
    form.elements.name.readOnly = true;
    form.elements.kind.value = link.dataset.kind;
    form.elements.query.value = link.dataset.query;
    form.scrollIntoView({ behavior: "smooth" });
    form.elements.query.focus();
  });
}

// Choosing a custom date switches the period to "custom".
for (const input of document.querySelectorAll(".periods input[type=date]")) {
  input.addEventListener("change", () => {
    const custom = document.querySelector(".periods input[value=custom]");
    if (custom) custom.checked = true;
  });
}

// Buttons marked data-copy copy the text of the element they name (an invitation link).
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", async () => {
    const source = document.querySelector(button.dataset.copy);
    if (!source) return;
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = button.dataset.copied || button.textContent;
    } catch {
      window.getSelection().selectAllChildren(source); // no clipboard (plain http): select it
    }
  });
}
