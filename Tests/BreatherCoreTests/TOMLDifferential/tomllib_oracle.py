"""Generates TOML documents, valid and broken, and says what Python's tomllib makes of each.

Run by TOMLDifferentialTests (`swift test`), which parses the same documents with Breather's
own parser and compares: the same value for every document tomllib accepts, and a refusal
with a line for every document it rejects.

    tomllib_oracle.py SEED COUNT  ->  JSON on stdout:
    [{"doc": text, "ok": bool, "canon": text or null, "line": int or null, "error": text or null}]

`canon` writes a value so that both sides can produce it byte for byte: strings and keys as
UTF-8 hex (no escaping rules to agree on), floats as their IEEE bits, date-times to the
microsecond (tomllib keeps no more).

Deliberately not generated: integers past 64 bits (tomllib keeps them, TOML 1.0 refuses
them), a byte order mark (tomllib refuses it, Breather accepts it as TOMLKit did), and
nesting deeper than Python's recursion limit.
"""

from __future__ import annotations

import datetime
import json
import math
import random
import re
import struct
import sys
import tomllib

BARE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
TEXT = list("abc xyz ABC 019 _-.,;:!?/=#[]{}")
TEXT += ["'", '"', "\\", "\t", "é", "中", "😀", "\u2028", "\x01", "\x7f", "\u00a0"]
PIECES = [
    "[", "]", "[[", "]]", "=", ".", ",", "{", "}", '"', "'", '"""', "'''", "\\", "#", "\n", " ", "\t",
    "\r", "\x00", "\x01", "\x7f", "\u2028", "é", "x", "1", "_", "-", "+", "e", "0x", ":", "T", "Z", "inf",
    "nan", "true", "\\u", "a.b", "[a]", "[[a]]", "a = 1", "\n[x]\n", "\n[[x]]\n", "\\\n",
]


def canon(value) -> str:
    if isinstance(value, dict):
        items = sorted((k.encode().hex(), canon(v)) for k, v in value.items())
        return "{" + ",".join(f"{k}={v}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canon(v) for v in value) + "]"
    if isinstance(value, bool):
        return "b:" + ("true" if value else "false")
    if isinstance(value, str):
        return "s:" + value.encode().hex()
    if isinstance(value, int):
        return f"i:{value}"
    if isinstance(value, float):
        return "f:nan" if math.isnan(value) else "f:" + struct.pack(">d", value).hex()
    if isinstance(value, datetime.datetime):
        text = f"{value.year:04}-{value.month:02}-{value.day:02}T{clock(value)}"
        if value.tzinfo is None:
            return "ldt:" + text
        minutes = int(value.utcoffset().total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        return f"odt:{text}{sign}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"
    if isinstance(value, datetime.date):
        return f"d:{value.year:04}-{value.month:02}-{value.day:02}"
    if isinstance(value, datetime.time):
        return "t:" + clock(value)
    raise TypeError(repr(value))


def clock(value) -> str:
    return f"{value.hour:02}:{value.minute:02}:{value.second:02}.{value.microsecond:06}"


class Writer:
    """Writes a random document: random data, each table in a random TOML form."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # Keys

    def key(self) -> str:
        r = self.rng.random()
        if r < 0.75:
            return "".join(self.rng.choice(BARE) for _ in range(self.rng.randint(1, 6)))
        if r < 0.8:
            return ""
        return "".join(self.rng.choice(TEXT) for _ in range(self.rng.randint(1, 5)))

    def key_text(self, key: str) -> str:
        if key and all(c in BARE for c in key) and self.chance(0.8):
            return key
        if "'" not in key and not any(ord(c) < 32 and c != "\t" or c == "\x7f" for c in key) and self.chance(0.4):
            return f"'{key}'"
        return self.basic(key)

    def dotted(self, keys: list[str]) -> str:
        dot = self.rng.choice([".", ".", " . ", "\t.", ". "])
        return dot.join(self.key_text(k) for k in keys)

    # Strings

    def text(self, newlines: bool) -> str:
        alphabet = TEXT + (["\n"] if newlines else [])
        return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(0, 8)))

    def escape(self, c: str) -> str:
        short = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
        r = self.rng.random()
        if c in short and r < 0.6:
            return short[c]
        if r < 0.8:
            return f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08X}"
        return f"\\U{ord(c):08x}"

    def basic(self, s: str) -> str:
        out = []
        for c in s:
            must = c in '"\\' or ord(c) < 32 and c != "\t" or c == "\x7f"
            out.append(self.escape(c) if must or self.chance(0.05) else c)
        return '"' + "".join(out) + '"'

    def multiline_basic(self, s: str) -> str:
        out = []
        for i, c in enumerate(s):
            if c == "\n" and self.chance(0.7):
                out.append("\n")
            elif c == '"' and i < len(s) - 1 and s[i + 1] != '"' and (i == 0 or s[i - 1] != '"') and self.chance(0.5):
                out.append('"')
            elif c in '"\\' or ord(c) < 32 and c != "\t" or c == "\x7f":
                out.append(self.escape(c))
            else:
                out.append(c)
            if c == " " and self.chance(0.2):  # a line-ending backslash that adds nothing
                out.append("\\" + self.rng.choice(["", " ", "\t "]) + "\n" + self.rng.choice(["", "  ", "\n\t"]))
        body = "".join(out)
        lead = "\n" if s.startswith("\n") or self.chance(0.3) else ""
        return '"""' + lead + body + '"""'

    def multiline_literal(self, s: str) -> str | None:
        if "'''" in s or s.endswith("'''") or any(ord(c) < 32 and c not in "\t\n" or c == "\x7f" for c in s):
            return None
        if s.startswith("'") and False:
            return None
        lead = "\n" if s.startswith("\n") or self.chance(0.3) else ""
        return "'''" + lead + s + "'''"

    def string(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            return self.basic(self.text(False))
        if r < 0.65:
            s = self.text(False)
            if "'" not in s and not any(ord(c) < 32 and c != "\t" or c == "\x7f" for c in s):
                return f"'{s}'"
            return self.basic(s)
        s = self.text(True)
        if r < 0.85:
            return self.multiline_basic(s)
        return self.multiline_literal(s) or self.multiline_basic(s)

    # Numbers, dates

    def underscored(self, digits: str) -> str:
        out = digits[0]
        for d in digits[1:]:
            out += ("_" if self.chance(0.2) else "") + d
        return out

    def integer(self) -> str:
        n = self.rng.choice([0, 1, 7, 42, self.rng.randint(0, 2**40)])
        r = self.rng.random()
        if r < 0.5:
            sign = self.rng.choice(["", "", "-", "+"])
            return sign + (self.underscored(str(n)) if n else "0")
        if r < 0.7:
            return "0x" + self.underscored(format(n, self.rng.choice(["x", "X"])))
        if r < 0.85:
            return "0o" + self.underscored(format(n, "o"))
        return "0b" + self.underscored(format(n, "b"))

    def float(self) -> str:
        r = self.rng.random()
        if r < 0.15:
            return self.rng.choice(["", "+", "-"]) + self.rng.choice(["inf", "nan"])
        if r < 0.3:
            return self.rng.choice(
                ["0.0", "-0.0", "+0.0", "0e0", "1e-05", "1E6", "5e+22", "6.626e-34", "1e400", "-1e-400", "1e0_1"]
            )
        if r < 0.6:
            x = self.rng.uniform(-1e6, 1e6) * 10 ** self.rng.randint(-30, 30)
            text = repr(x)
            return text if "e" in text or "." in text else text + ".0"
        whole = self.underscored(str(self.rng.randint(1, 99999)))
        frac = self.underscored(str(self.rng.randint(0, 99999)))
        exp = self.rng.choice(
            ["", "e" + self.underscored(str(self.rng.randint(0, 30))), "E-0" + str(self.rng.randint(0, 9))]
        )
        return self.rng.choice(["", "-", "+"]) + whole + "." + frac + exp

    def date(self) -> str:
        day = self.rng.randint(1, 28 if self.chance(0.8) else 31)
        return f"{self.rng.randint(1, 9999):04}-{self.rng.randint(1, 12):02}-{day:02}"

    def time(self) -> str:
        text = f"{self.rng.randint(0, 23):02}:{self.rng.randint(0, 59):02}:{self.rng.randint(0, 59):02}"
        if self.chance(0.4):
            text += "." + "".join(self.rng.choice("0123456789") for _ in range(self.rng.randint(1, 9)))
        return text

    def datetime(self) -> str:
        r = self.rng.random()
        if r < 0.2:
            return self.date()
        if r < 0.4:
            return self.time()
        text = self.date() + self.rng.choice(["T", "t", " "]) + self.time()
        if self.chance(0.6):
            offset = f"{self.rng.choice('+-')}{self.rng.randint(0, 23):02}:{self.rng.randint(0, 59):02}"
            text += self.rng.choice(["Z", "z", offset])
        return text

    # Values

    def scalar(self) -> str:
        kind = self.rng.choice(["string", "string", "integer", "float", "bool", "datetime"])
        if kind == "bool":
            return self.rng.choice(["true", "false"])
        return getattr(self, kind)()

    def value(self, depth: int) -> str:
        r = self.rng.random()
        if depth < 3 and r < 0.12:
            return self.array(depth + 1)
        if depth < 3 and r < 0.2:
            return self.inline_table(depth + 1)
        return self.scalar()

    def array(self, depth: int) -> str:
        items = [self.value(depth) for _ in range(self.rng.randint(0, 4))]
        if self.chance(0.5):
            sep = self.rng.choice([",\n  ", ", # note\n", ",\n\n", " ,"])
            tail = self.rng.choice(["", ",", ",\n", "\n# end\n"]) if items else self.rng.choice(["", "\n"])
            return "[" + self.rng.choice(["", "\n  ", " "]) + sep.join(items) + tail + "]"
        return "[" + ", ".join(items) + "]"

    def inline_table(self, depth: int) -> str:
        keys = list({self.key(): None for _ in range(self.rng.randint(0, 3))})
        parts = []
        for k in keys:
            if self.chance(0.2):
                parts.append(f"{self.dotted([k, self.key()])} = {self.value(depth)}")
            else:
                parts.append(f"{self.key_text(k)} = {self.value(depth)}")
        return "{" + (" " + ", ".join(parts) + " " if parts else self.rng.choice(["", " "])) + "}"

    # Documents

    def comment(self) -> str:
        return self.rng.choice(["", "", "", " # note", "\t#", " # é [x] = \"y\"", "#\t tab"])

    def table_body(self, lines: list[str], header: list[str], depth: int) -> None:
        children: list[tuple[str, str]] = []
        used: set[str] = set()
        for _ in range(self.rng.randint(0, 5)):
            k = self.key()
            if k in used:
                continue
            used.add(k)
            r = self.rng.random()
            if depth < 3 and r < 0.15:
                children.append((k, "table"))
            elif depth < 3 and r < 0.25:
                children.append((k, "array"))
            elif r < 0.35:
                sub = [self.key() for _ in range(self.rng.randint(1, 2))]
                for leaf in {self.key(): None for _ in range(self.rng.randint(1, 3))}:
                    lines.append(f"{self.indent()}{self.dotted([k, *sub, leaf])} = {self.value(0)}{self.comment()}")
            else:
                lines.append(f"{self.indent()}{self.key_text(k)}{self.eq()}{self.value(0)}{self.comment()}")
            if self.chance(0.1):
                lines.append(self.rng.choice(["", "# a comment", "   ", "\t# [not.a.table]"]))
        for k, kind in children:
            path = [*header, k]
            if kind == "table":
                lines.append(f"{self.indent()}[{self.pad()}{self.dotted(path)}{self.pad()}]{self.comment()}")
                self.table_body(lines, path, depth + 1)
            else:
                for _ in range(self.rng.randint(1, 3)):
                    lines.append(f"{self.indent()}[[{self.pad()}{self.dotted(path)}{self.pad()}]]{self.comment()}")
                    self.table_body(lines, path, depth + 1)

    def indent(self) -> str:
        return self.rng.choice(["", "", "", "  ", "\t"])

    def pad(self) -> str:
        return self.rng.choice(["", "", " ", "\t"])

    def eq(self) -> str:
        return self.rng.choice([" = ", "=", " =\t", "  =  "])

    def document(self) -> str:
        lines: list[str] = []
        self.table_body(lines, [], 0)
        newline = "\r\n" if self.chance(0.15) else "\n"
        text = newline.join(lines)
        if newline == "\r\n":
            # Inside multi-line strings too: TOML reads CRLF there as a line break.
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        return text + (newline if self.chance(0.8) else "")

    def conflicts(self) -> str:
        """A few statements over three short keys, so that tables, arrays of tables, dotted
        keys and inline values keep running into each other: the rules on what may define
        or extend what are where parsers most often differ."""
        lines = []
        for _ in range(self.rng.randint(2, 7)):
            path = ".".join(self.rng.choice("abc") for _ in range(self.rng.randint(1, 3)))
            lines.append(
                self.rng.choice(
                    [
                        f"[{path}]",
                        f"[[{path}]]",
                        f"{path} = 1",
                        f"{path} = {{}}",
                        f"{path} = {{ x = 1, y.z = 2 }}",
                        f"{path} = [1]",
                        f"{path} = [{{ x = 1 }}]",
                        f"{path} = []",
                        f"x = {{ {path} = 1 }}",
                    ]
                )
            )
        return "\n".join(lines) + "\n"

    def mangle(self, text: str) -> str:
        for _ in range(self.rng.randint(1, 3)):
            r = self.rng.random()
            lines = text.split("\n")
            if r < 0.15 and len(lines) > 1:
                i = self.rng.randrange(len(lines))
                lines.insert(self.rng.randrange(len(lines) + 1), lines[i])
                text = "\n".join(lines)
            elif r < 0.25 and len(lines) > 1:
                i, j = self.rng.randrange(len(lines)), self.rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                text = "\n".join(lines)
            elif r < 0.55 and text:
                i = self.rng.randrange(len(text))
                text = text[:i] + text[i + 1 :]
            else:
                i = self.rng.randrange(len(text) + 1)
                text = text[:i] + self.rng.choice(PIECES) + text[i:]
        return text


def main() -> None:
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    writer = Writer(random.Random(seed))
    cases = []
    for n in range(count):
        if n % 3 == 2:
            doc = writer.conflicts()
        else:
            doc = writer.document()
            if n % 3 == 1:
                doc = writer.mangle(doc)
        try:
            value = tomllib.loads(doc)
        except tomllib.TOMLDecodeError as error:
            found = re.search(r"at line (\d+)", str(error))
            line = int(found.group(1)) if found else doc.replace("\r\n", "\n").count("\n") + 1
            cases.append({"doc": doc, "ok": False, "canon": None, "line": line, "error": str(error)})
        else:
            cases.append({"doc": doc, "ok": True, "canon": canon(value), "line": None, "error": None})
    json.dump(cases, sys.stdout)


if __name__ == "__main__":
    main()
