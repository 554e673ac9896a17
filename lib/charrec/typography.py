"""Typography of the reports' prose: a number and its unit never part at a line end."""

import re

# The space between a number and its unit (and around ± between two numbers) becomes a no-break space,
# U+00A0: pandoc writes it as `~` in LaTeX, the HTML keeps it, and charrec.report's tables write `~`.
NO_BREAK_SPACE = "\N{NO-BREAK SPACE}"
NUMBER_AND_UNIT = re.compile(r"(?<=[\d\])]) (?=(?:%|points?\b|pp\b|ms\b|s\b|min\b|h\b|MB\b|GB\b|pt\b))")
AROUND_PLUS_MINUS = re.compile(r"(?<=\d) ± (?=[−+-]?\d)")


def with_units_kept(text: str) -> str:
    """`text` with a no-break space between each number and its unit ("99.58 %", "0.41 points", "12.8 s",
    "[−0.74, +1.55] points") and around "±" between numbers ("97.94 ± 0.34 %"), so that no line ends
    between them. Other spaces are left as they are."""
    text = NUMBER_AND_UNIT.sub(NO_BREAK_SPACE, text)
    return AROUND_PLUS_MINUS.sub(f"{NO_BREAK_SPACE}±{NO_BREAK_SPACE}", text)
