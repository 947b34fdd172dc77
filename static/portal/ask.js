// The Ask box: POST the question with the page's filters to /api/rag/answer as a stream
// (server-sent events over fetch, since EventSource cannot POST), show the answer as it
// arrives, then the passages it cited as links to their items. Text only: nothing the
// model or an item says is ever parsed as HTML.
(function () {
  const form = document.getElementById("ask-form");
  if (!form) return;
  const input = document.getElementById("ask-question");
  const output = document.getElementById("ask-output");
  const answer = document.getElementById("ask-answer");
  const error = document.getElementById("ask-error");
  const citations = document.getElementById("ask-citations");
  const button = form.querySelector("button");

  function filters() {
    const search = document.getElementById("search-form");
    const checked = (name) =>
      Array.from(search.querySelectorAll(`input[name=${name}]:checked`), (i) => i.value);
    const tag = (search.querySelector("input[name=tag]") || { value: "" }).value.trim();
    const chosen = { kind: checked("kind"), language: checked("language"), status: checked("status") };
    if (tag) chosen.tags = [tag];
    return chosen;
  }

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
  }

  // "[1]" markers become links to the cited passage below.
  function renderAnswer(text, cited) {
    answer.textContent = "";
    const numbers = new Set(cited.map((c) => c.n));
    let last = 0;
    for (const match of text.matchAll(/\[(\d+)\]/g)) {
      answer.append(text.slice(last, match.index));
      const n = Number(match[1]);
      if (numbers.has(n)) {
        const link = document.createElement("a");
        link.href = `#ask-cite-${n}`;
        link.className = "cite";
        link.textContent = match[0];
        answer.append(link);
      } else {
        answer.append(match[0]);
      }
      last = match.index + match[0].length;
    }
    answer.append(text.slice(last));
  }

  function renderCitations(cited) {
    citations.textContent = "";
    for (const passage of cited) {
      const item = document.createElement("li");
      item.id = `ask-cite-${passage.n}`;
      item.value = passage.n;
      const link = document.createElement("a");
      link.href = passage.url;
      link.textContent = passage.title;
      item.append(link);
      if (passage.page !== null) item.append(` · page ${passage.page}`);
      const quote = document.createElement("blockquote");
      quote.textContent = passage.text; // at most ~800 characters (docs/rag.md)
      item.append(quote);
      citations.append(item);
    }
  }

  function handle(name, data, state) {
    if (name === "delta") {
      state.text += data.text;
      answer.textContent = state.text;
    } else if (name === "done") {
      state.ended = true;
      renderAnswer(data.answer, data.citations);
      renderCitations(data.citations);
    } else if (name === "error") {
      state.ended = true;
      showError(data.error.message);
    }
  }

  async function ask(question) {
    output.hidden = false;
    error.hidden = true;
    answer.textContent = "";
    citations.textContent = "";
    answer.classList.add("ask__answer--busy");
    button.disabled = true;
    try {
      const response = await fetch(form.dataset.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
        body: JSON.stringify({ question, filters: filters(), stream: true }),
      });
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        showError(body && body.error ? body.error.message : `The answer failed (HTTP ${response.status}).`);
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const state = { text: "", ended: false };
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let name = "message";
          const data = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) name = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).trim());
          }
          if (data.length) handle(name, JSON.parse(data.join("\n")), state);
        }
      }
      // The connection closed without a final event (a proxy timeout, a dropped network).
      if (!state.ended) showError("The answer stopped before it was complete.");
    } catch (failure) {
      showError(`The answer could not be fetched: ${failure.message}`);
    } finally {
      answer.classList.remove("ask__answer--busy");
      button.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (question) ask(question);
  });
})();
