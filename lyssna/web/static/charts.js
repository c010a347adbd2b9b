// Draws the dashboard's charts with plotly.js from the JSON block the page carries.
// The data is read with JSON.parse, never evaluated, and set as text by plotly, so mention
// text in it cannot run (the Content-Security-Policy forbids inline script anyway).

const COLORS = {
  negative: "#c2410c",
  neutral: "#94a3b8",
  positive: "#15803d",
  accent: "#1d4ed8",
  series: ["#1d4ed8", "#c2410c", "#15803d", "#7c3aed", "#b45309", "#0e7490", "#be185d", "#4d7c0f"],
};

const LAYOUT = {
  margin: { l: 48, r: 16, t: 8, b: 40 },
  height: 280,
  paper_bgcolor: "rgba(0,0,0,0)",
  plot_bgcolor: "rgba(0,0,0,0)",
  font: { family: "system-ui, sans-serif", size: 12 },
  legend: { orientation: "h", y: -0.2 },
};
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

function column(table, index) {
  return table.rows.map((row) => row[index]);
}

function bars(table, labelIndex, valueIndex, color, horizontal) {
  const labels = column(table, labelIndex);
  const values = column(table, valueIndex);
  return [{
    type: "bar",
    x: horizontal ? values.slice().reverse() : labels,
    y: horizontal ? labels.slice().reverse() : values,
    orientation: horizontal ? "h" : "v",
    marker: { color },
    hovertemplate: "%{y}: %{x}<extra></extra>",
  }];
}

const CHARTS = {
  volume(table, labels, times) {
    return {
      data: [{ type: "scatter", mode: "lines", fill: "tozeroy", name: labels.mentions,
               x: times, y: column(table, 1), line: { color: COLORS.accent } }],
      layout: { yaxis: { rangemode: "tozero" }, xaxis: { type: "category", nticks: 10 } },
    };
  },
  sentiment(table, labels, times) {
    const series = ["negative", "neutral", "positive"].map((key, i) => ({
      type: "bar", name: labels[key], x: times, y: column(table, i + 1),
      marker: { color: COLORS[key] },
    }));
    series.push({ type: "scatter", mode: "lines+markers", name: labels.net_sentiment, yaxis: "y2",
                  x: times, y: column(table, 4), line: { color: "#111827" } });
    return {
      data: series,
      layout: { barmode: "stack", margin: { r: 48 }, xaxis: { type: "category", nticks: 10 }, yaxis2: { overlaying: "y", side: "right", range: [-1, 1],
                tickformat: ".0%", showgrid: false } },
    };
  },
  share_of_voice(table) {
    return { data: [{ type: "pie", hole: 0.5, labels: column(table, 0), values: column(table, 2),
                      marker: { colors: COLORS.series }, sort: false }] };
  },
  channels(table) { return { data: bars(table, 0, 1, COLORS.accent, true), layout: { margin: { l: 90 } } }; },
  languages(table) { return { data: bars(table, 0, 1, COLORS.series[3], false) }; },
  authors(table) { return { data: bars(table, 0, 1, COLORS.series[5], true), layout: { margin: { l: 140 } } }; },
  rising_words(table) { return { data: bars(table, 0, 1, COLORS.series[4], true), layout: { margin: { l: 120 }, xaxis: { tickformat: ".0%" } } }; },
  rising_hashtags(table) { return { data: bars(table, 0, 1, COLORS.series[6], true), layout: { margin: { l: 120 }, xaxis: { tickformat: ".0%" } } }; },
};

function draw() {
  const source = document.getElementById("chart-data");
  if (!source || !window.Plotly) return;
  const data = JSON.parse(source.textContent);
  for (const element of document.querySelectorAll("[data-chart]")) {
    const key = element.dataset.chart;
    const table = data[key];
    const make = CHARTS[key];
    if (!table || !make || table.rows.length === 0) continue;
    const chart = make(table, data.labels, data.time_labels);
    const layout = Object.assign({}, LAYOUT, chart.layout || {});
    layout.margin = Object.assign({}, LAYOUT.margin, (chart.layout || {}).margin || {});
    window.Plotly.newPlot(element, chart.data, layout, CONFIG);
    element.dataset.drawn = "true";
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", draw);
} else {
  draw();
}
