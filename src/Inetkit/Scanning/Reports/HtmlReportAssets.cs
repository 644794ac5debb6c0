using System.Security.Cryptography;
using System.Text;

namespace Inetkit.Scanning.Reports;

/// <summary>
/// The HTML report's one style sheet and one script, written inline, and the Content-Security-Policy that allows
/// exactly these two by their SHA-256: the page may load nothing, and an injected style or script (were encoding
/// ever to fail on a banner) would not run.
/// </summary>
internal static class HtmlReportAssets
{
    // ASCII only (the arrows are CSS escapes), so the hash does not hang on how a browser decodes the file.
    public const string Css = """
        :root { color-scheme: light dark; --open: #1a7f37; --open-filtered: #9a6700; --filtered: #8250df; --closed: #cf222e; --line: #d0d7de; --muted: #57606a; --head: #f6f8fa; }
        @media (prefers-color-scheme: dark) { :root { --open: #3fb950; --open-filtered: #d29922; --filtered: #a371f7; --closed: #f85149; --line: #30363d; --muted: #8b949e; --head: #161b22; } }
        body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; }
        h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
        h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; padding-bottom: .25rem; border-bottom: 1px solid var(--line); }
        code, .port { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.25rem; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        table { border-collapse: collapse; margin: .5rem 0; }
        th, td { padding: .25rem 1rem .25rem 0; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th { background: var(--head); font-weight: 600; }
        th:first-child, td:first-child { padding-left: .5rem; }
        th button { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; }
        th[aria-sort=ascending] button::after { content: " \25B2"; }
        th[aria-sort=descending] button::after { content: " \25BC"; }
        td.count { text-align: right; font-variant-numeric: tabular-nums; }
        td.banner { overflow-wrap: anywhere; }
        .state-open { color: var(--open); font-weight: 600; }
        .state-open-filtered { color: var(--open-filtered); font-weight: 600; }
        .state-filtered { color: var(--filtered); }
        .state-closed { color: var(--closed); }
        .complete { color: var(--open); }
        .incomplete { color: var(--closed); font-weight: 600; }
        .down, .not-shown, .notice, footer { color: var(--muted); }
        footer { margin-top: 2rem; padding-top: .5rem; border-top: 1px solid var(--line); }
        """;

    /// <summary>
    /// Click-to-sort on each port table's Port, State and Service headers (again: the other way). The rows come
    /// sorted by port, so without the script the table still reads right; the buttons only appear with it. It holds
    /// no &lt; or &amp;, which keeps the page well-formed XML.
    /// </summary>
    public const string Script = """
        "use strict";
        (() => {
          const rank = { "open": 0, "open|filtered": 1, "filtered": 2, "closed": 3 };
          const text = (a, b) => (a > b) - (b > a);
          const byPort = (a, b) => a.dataset.port - b.dataset.port || text(a.dataset.protocol, b.dataset.protocol);
          const orders = {
            port: byPort,
            state: (a, b) => rank[a.dataset.state] - rank[b.dataset.state] || byPort(a, b),
            // Unnamed ports last: "unknown" sorted among the names would say nothing.
            service: (a, b) => (a.dataset.service === "") - (b.dataset.service === "") || text(a.dataset.service, b.dataset.service) || byPort(a, b),
          };
          for (const table of document.querySelectorAll("table.ports")) {
            const headers = [...table.tHead.querySelectorAll("th[data-sort]")];
            for (const th of headers) {
              const button = document.createElement("button");
              button.type = "button";
              button.textContent = th.textContent;
              th.replaceChildren(button);
              button.addEventListener("click", () => {
                const descending = th.getAttribute("aria-sort") === "ascending";
                for (const other of headers) other.removeAttribute("aria-sort");
                th.setAttribute("aria-sort", descending ? "descending" : "ascending");
                const order = orders[th.dataset.sort];
                const body = table.tBodies[0];
                body.append(...[...body.rows].sort((a, b) => (descending ? order(b, a) : order(a, b))));
              });
            }
          }
        })();
        """;

    /// <summary>Nothing may load; the style sheet and the script above may apply, and nothing else.</summary>
    public static string ContentSecurityPolicy { get; } = $"default-src 'none'; style-src '{Hash(Css)}'; script-src '{Hash(Script)}'";

    private static string Hash(string inline) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(inline)));
}
