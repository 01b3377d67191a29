"""SVG charts: server-rendered, labelled for screen readers, escaped, no inline styles."""

from xml.etree import ElementTree

from peerbot.web.charts import Point, bar_chart, funnel_chart
from peerbot.web.tables import Column, Table, csv_stream, display

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_scale_to_the_largest_value_and_hidden_weeks_get_a_mark():
    svg = bar_chart("Questions <asked>", [Point("2026-03-02", 4), Point("2026-03-09", "<5"), Point("2026-03-16", 2),
                                          Point("2026-03-23", None)])
    root = ElementTree.fromstring(str(svg))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Questions <asked>, per week"
    bars = root.findall(f"{SVG}rect")
    assert [float(b.get("height")) for b in bars] == [112.0, 56.0]  # plot height 112: 4 is the top, 2 is half
    marks = [t.text for t in root.findall(f"{SVG}text") if t.get("class") == "hidden-mark"]
    assert marks == ["<5", "–"]
    assert "style=" not in str(svg)


def test_shares_scale_to_one_hundred_percent():
    root = ElementTree.fromstring(str(bar_chart("Share", [Point("w", 0.5)], unit="share")))
    assert float(root.find(f"{SVG}rect").get("height")) == 56.0


def test_a_funnel_scales_to_its_first_step_and_hides_small_groups():
    svg = funnel_chart("Hires & buddies", [Point("Hires started", 8), Point("Buddy by day 1", 4),
                                           Point("Met within 7 days", "<5")])
    root = ElementTree.fromstring(str(svg))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Hires & buddies"
    widths = [float(b.get("width")) for b in root.findall(f"{SVG}rect")]
    assert len(widths) == 2 and widths[1] == widths[0] / 2  # no bar for the hidden step
    assert [t.text for t in root.findall(f"{SVG}text")][-1] == "<5"
    assert "style=" not in str(svg)


def test_csv_has_a_header_iso_dates_and_defused_formulas():
    from datetime import date

    table = Table("t", "T", [Column("week_start", "Week", "date"), Column("name", "Name", "text")],
                  [{"week_start": date(2026, 3, 2), "name": "=HYPERLINK(1)"}, {"week_start": date(2026, 3, 9)}])
    assert b"".join(csv_stream(table)).decode() == "week_start,name\r\n2026-03-02,'=HYPERLINK(1)\r\n2026-03-09,\r\n"
    assert display(0.666, "share") == "67%" and display(2.25, "hours") == "2.2 h" and display("<5", "share") == "<5"
    assert display(1.25, "number") == "1.2" and display(2, "days") == "2"
