#!/usr/bin/env python3
"""Generates the privacy filter's evaluation corpus (deterministic).

  positives.jsonl  one JSON object per line:
                   {"type": ..., "value": ..., "text": ..., "context": ...}
                   `text` is realistic program output (a log line, JSON,
                   a traceback, an env dump, CSV, a table, a PEM block...)
                   that contains `value` verbatim. A value counts as caught
                   when no 8-character piece of it survives redaction.
  negatives.txt    realistic output lines that must pass unchanged: UUIDs,
                   hashes, SHAs, versions, timestamps, base64 of harmless
                   data, floats, paths, phone-like invalid numbers,
                   Luhn-failing card-like numbers, code that names secrets
                   without containing any.

Values are generated from the formats' specifications (prefixes, alphabets,
lengths, checksums), not copied from any detector, with a fixed seed:

  python3 tests/privacy/data/generate_corpus.py tests/privacy/data
"""

import base64
import csv
import io
import hashlib
import json
import os
import random
import string
import sys
import uuid

R = random.Random(20261122)

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
ALNUM = UPPER + LOWER + DIGITS
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"


def rs(alphabet, n):
    return "".join(R.choice(alphabet) for _ in range(n))


FIRST = ["james", "maria", "wei", "aisha", "olga", "pedro", "li", "fatima",
         "john", "emma", "noah", "sofia", "lucas", "mia", "arjun", "yuki",
         "chloe", "omar", "ingrid", "kwame", "elena", "raj", "sara", "tom"]
LAST = ["smith", "garcia", "chen", "khan", "ivanova", "silva", "nguyen",
        "mueller", "okafor", "rossi", "tanaka", "dubois", "kowalski",
        "johansson", "patel", "brown", "lopez", "kim", "haddad", "novak"]
DOMAINS = ["example.com", "corp.example.org", "mail.co.uk", "gmail.com",
           "outlook.com", "university.edu", "acme-industries.io",
           "subsidiary.example.net", "company.de", "startup.ai", "yahoo.fr",
           "health.gov", "protonmail.ch"]
HOSTS = ["db.internal", "10.0.3.17", "prod-db-1.us-east-1.rds.amazonaws.com",
         "localhost", "cache.svc.cluster.local", "mongo0.example.net",
         "192.168.1.50", "db-replica.corp.example.org"]
WORDS = ["alpha", "bravo", "charlie", "delta", "summer", "winter", "dragon",
         "monkey", "shadow", "sunshine", "princess", "football", "tiger",
         "purple", "orange", "castle", "rocket", "galaxy", "pepper", "maple"]


def ts():
    return "2024-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        R.randint(1, 12), R.randint(1, 28), R.randint(0, 23),
        R.randint(0, 59), R.randint(0, 59), R.randint(0, 999))


def ts_space():
    return "2024-%02d-%02d %02d:%02d:%02d,%03d" % (
        R.randint(1, 12), R.randint(1, 28), R.randint(0, 23),
        R.randint(0, 59), R.randint(0, 59), R.randint(0, 999))


def level():
    return R.choice(["INFO", "DEBUG", "WARN", "ERROR", "info", "warning"])


def svc():
    return R.choice(["api", "worker", "billing", "auth", "ingest", "scheduler",
                     "gateway", "etl", "notifier", "payments"])


def name():
    return R.choice(FIRST), R.choice(LAST)


# ---------------------------------------------------------------------------
# Value generators (by format specification)
# ---------------------------------------------------------------------------

def gen_email():
    f, l = name()
    local = R.choice([f + "." + l, f + l, f[0] + l, f + "_" + l,
                      f + "." + l + str(R.randint(1, 99)),
                      f + "+" + R.choice(["news", "test", "dev"]),
                      l + "." + f, f.upper() + "." + l.capitalize()])
    return local + "@" + R.choice(DOMAINS)


def nanp_digits():
    area = str(R.randint(2, 9)) + rs(DIGITS, 2)
    while area[1:] == "11":
        area = str(R.randint(2, 9)) + rs(DIGITS, 2)
    exch = str(R.randint(2, 9)) + rs(DIGITS, 2)
    return area, exch, rs(DIGITS, 4)


def gen_phone_standalone():
    a, e, s = nanp_digits()
    return R.choice([
        "(%s) %s-%s" % (a, e, s), "%s-%s-%s" % (a, e, s),
        "%s.%s.%s" % (a, e, s), "+1 %s %s %s" % (a, e, s),
        "+1-%s-%s-%s" % (a, e, s), "+1%s%s%s" % (a, e, s),
        "+44 20 %s %s" % (rs(DIGITS, 4), rs(DIGITS, 4)),
        "+44 7%s %s" % (rs(DIGITS, 3), rs(DIGITS, 6)),
        "+49 30 %s" % rs(DIGITS, 8), "+49 151 %s" % rs(DIGITS, 8),
        "+33 1 %s %s %s %s" % tuple(rs(DIGITS, 2) for _ in range(4)),
        "+91 98%s %s" % (rs(DIGITS, 3), rs(DIGITS, 5)),
        "+61 4%s %s %s" % (rs(DIGITS, 2), rs(DIGITS, 3), rs(DIGITS, 3)),
        "+81 3-%s-%s" % (rs(DIGITS, 4), rs(DIGITS, 4)),
        "+55 11 9%s-%s" % (rs(DIGITS, 4), rs(DIGITS, 4)),
        "+86 138 %s %s" % (rs(DIGITS, 4), rs(DIGITS, 4)),
        "+353 1 %s %s" % (rs(DIGITS, 3), rs(DIGITS, 4)),
    ])


def gen_phone_national():
    return R.choice([
        "020 %s %s" % (rs(DIGITS, 4), rs(DIGITS, 4)),
        "07%s %s" % (rs(DIGITS, 3), rs(DIGITS, 6)),
        "030 %s" % rs(DIGITS, 7), "0151 %s" % rs(DIGITS, 8),
        "01 %s %s %s %s" % tuple(rs(DIGITS, 2) for _ in range(4)),
        "06-%s-%s-%s" % (rs(DIGITS, 2), rs(DIGITS, 2), rs(DIGITS, 4)),
        "98%s %s" % (rs(DIGITS, 3), rs(DIGITS, 5)),
        "%s%s%s" % nanp_digits(),
    ])


def gen_ssn():
    while True:
        area = R.randint(1, 899)
        if area != 666:
            break
    return "%03d-%02d-%04d" % (area, R.randint(1, 99), R.randint(1, 9999))


def luhn_complete(prefix, length):
    digits = prefix + rs(DIGITS, length - len(prefix) - 1)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


def gen_card():
    kind = R.choice(["visa", "visa", "mc", "mc2", "amex", "disc", "jcb"])
    if kind == "visa":
        d = luhn_complete("4", 16)
    elif kind == "mc":
        d = luhn_complete(str(R.randint(51, 55)), 16)
    elif kind == "mc2":
        d = luhn_complete(str(R.randint(2221, 2720)), 16)
    elif kind == "amex":
        d = luhn_complete(R.choice(["34", "37"]), 15)
    elif kind == "disc":
        d = luhn_complete("6011", 16)
    else:
        d = luhn_complete("35" + str(R.randint(28, 89)), 16)
    style = R.choice(["space", "dash", "none", "none"])
    if len(d) == 15:
        groups = [d[:4], d[4:10], d[10:]]
    else:
        groups = [d[i:i + 4] for i in range(0, 16, 4)]
    if style == "space":
        return " ".join(groups)
    if style == "dash":
        return "-".join(groups)
    return d


IBAN_FORMATS = {  # country: (length, bban generator)
    "DE": 22, "GB": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "CH": 21,
    "AT": 20, "BE": 16, "PL": 28, "SE": 24, "IE": 22, "PT": 25, "NO": 15,
}


def iban_check(country, bban):
    rearranged = bban + country + "00"
    num = "".join(str(int(c, 36)) for c in rearranged)
    return "%02d" % (98 - int(num) % 97)


def gen_iban():
    country = R.choice(sorted(IBAN_FORMATS))
    n = IBAN_FORMATS[country] - 4
    if country in ("GB", "IE"):
        bban = rs(UPPER, 4) + rs(DIGITS, n - 4)
    elif country == "NL":
        bban = rs(UPPER, 4) + rs(DIGITS, n - 4)
    elif country in ("FR", "IT"):
        bban = (rs(UPPER, 1) if country == "IT" else "") + rs(DIGITS, n - (1 if country == "IT" else 0))
    else:
        bban = rs(DIGITS, n)
    iban = country + iban_check(country, bban) + bban
    if R.random() < 0.5:
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


def gen_ipv4():
    return R.choice([
        "10.%d.%d.%d" % (R.randint(0, 255), R.randint(0, 255), R.randint(1, 254)),
        "192.168.%d.%d" % (R.randint(0, 255), R.randint(1, 254)),
        "172.%d.%d.%d" % (R.randint(16, 31), R.randint(0, 255), R.randint(1, 254)),
        "%d.%d.%d.%d" % (R.randint(1, 223), R.randint(0, 255), R.randint(0, 255), R.randint(1, 254)),
        "203.0.113.%d" % R.randint(1, 254),
    ]).replace(".0.0.0", ".0.0.1")


def gen_ipv6():
    groups = ["%x" % R.randint(0, 0xffff) for _ in range(8)]
    return R.choice([
        ":".join(groups),
        ":".join("%04x" % int(g, 16) for g in groups),
        "2001:db8::%x:%x" % (R.randint(1, 0xffff), R.randint(1, 0xffff)),
        "fe80::%x:%x:%x:%x" % tuple(R.randint(1, 0xffff) for _ in range(4)),
        "2a00:1450:4001:%x::%x" % (R.randint(1, 0xfff), R.randint(0x100, 0xffff)),
        "fd12:3456:789a:1::%x" % R.randint(0x10, 0xffff),
        "::ffff:%d.%d.%d.%d" % (R.randint(1, 223), R.randint(0, 255), R.randint(0, 255), R.randint(1, 254)),
    ])


MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]


def gen_dob():
    y, m, d = R.randint(1935, 2006), R.randint(1, 12), R.randint(1, 28)
    return R.choice([
        "%04d-%02d-%02d" % (y, m, d), "%02d/%02d/%04d" % (m, d, y),
        "%02d/%02d/%04d" % (d, m, y), "%02d.%02d.%04d" % (d, m, y),
        "%d %s %04d" % (d, MONTHS[m - 1], y), "%s %d, %04d" % (MONTHS[m - 1], d, y),
        "%02d-%s-%04d" % (d, MONTHS[m - 1][:3], y), "%04d/%02d/%02d" % (y, m, d),
    ])


def gen_passport():
    return R.choice([
        rs(DIGITS, 9), R.choice(UPPER) + rs(DIGITS, 8),
        R.choice(UPPER) + rs(DIGITS, 7), rs(UPPER, 2) + rs(DIGITS, 7),
        R.choice("CFGHJK") + rs(DIGITS + "CFGHJKLMNPRTVWXYZ", 8),
    ])


def gen_driver_license():
    return R.choice([
        R.choice(UPPER) + rs(DIGITS, 7),
        rs(DIGITS, 9),
        "%s %s %s" % (rs(DIGITS, 3), rs(DIGITS, 3), rs(DIGITS, 3)),
        "%s%s-%s-%s-%s-%s" % (R.choice(UPPER), rs(DIGITS, 3), rs(DIGITS, 3),
                              rs(DIGITS, 2), rs(DIGITS, 3), rs(DIGITS, 1)),
        rs(UPPER, 5) + rs(DIGITS, 6) + rs(UPPER, 2) + rs(DIGITS, 1) + rs(UPPER, 2),
        R.choice(UPPER) + rs(DIGITS, 12),
    ])


def gen_aws_key_id():
    return R.choice(["AKIA", "AKIA", "ASIA"]) + rs("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)


def gen_aws_secret():
    while True:
        s = rs(B64, 40)
        if any(c.isdigit() for c in s) and any(c.islower() for c in s):
            return s


def gen_gcp_api_key():
    return "AIza" + rs(B64URL, 35)


def gen_hex(n):
    return rs(HEX, n)


def gen_azure_key():
    return rs(B64, 86) + "=="


def gen_github():
    return R.choice([
        R.choice(["ghp_", "gho_", "ghs_", "ghu_", "ghr_"]) + rs(ALNUM, 36),
        "github_pat_11" + rs(UPPER + DIGITS, 20) + "_" + rs(ALNUM, 59),
    ])


def gen_gitlab():
    return R.choice(["glpat-", "glpat-", "gldt-", "glptt-"]) + rs(ALNUM + "_-", 20)


def gen_bitbucket():
    return "ATBB" + rs(ALNUM, 28) + rs("0123456789ABCDEF", 8)


def gen_openai():
    return R.choice([
        "sk-proj-" + rs(B64URL, 156),
        "sk-" + rs(ALNUM, 20) + "T3BlbkFJ" + rs(ALNUM, 20),
        "sk-svcacct-" + rs(B64URL, 120),
        "sk-" + rs(ALNUM, 48),
    ])


def gen_anthropic():
    return "sk-ant-api03-" + rs(B64URL, 93) + "AA"


def gen_hf():
    return "hf_" + rs(ALNUM, 34)


def gen_slack_token():
    return R.choice([
        "xoxb-%s-%s-%s" % (rs(DIGITS, 12), rs(DIGITS, 13), rs(ALNUM, 24)),
        "xoxp-%s-%s-%s-%s" % (rs(DIGITS, 12), rs(DIGITS, 12), rs(DIGITS, 13), rs(HEX, 32)),
        "xapp-1-%s-%s-%s" % (rs(UPPER + DIGITS, 11), rs(DIGITS, 13), rs(HEX, 64)),
    ])


def gen_slack_webhook():
    return "https://hooks.slack.com/services/T%s/B%s/%s" % (
        rs(UPPER + DIGITS, 8), rs(UPPER + DIGITS, 10), rs(ALNUM, 24))


def gen_stripe():
    return R.choice(["sk_live_", "sk_test_", "rk_live_"]) + rs(ALNUM, R.choice([24, 99]))


def gen_twilio():
    return R.choice(["SK", "AC"]) + rs(HEX, 32)


def gen_sendgrid():
    return "SG." + rs(B64URL, 22) + "." + rs(B64URL, 43)


def gen_npm():
    return "npm_" + rs(ALNUM, 36)


def gen_pypi():
    return "pypi-AgEIcHlwaS5vcmc" + rs(B64URL, R.choice([60, 120, 160]))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def gen_jwt():
    header = {"alg": R.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    if R.random() < 0.3:
        header["kid"] = rs(HEX, 16)
    f, l = name()
    payload = {"sub": str(R.randint(1000, 999999)), "name": f + " " + l,
               "iat": R.randint(1600000000, 1800000000)}
    if R.random() < 0.5:
        payload["scope"] = R.choice(["read", "read write", "admin"])
    sig = rs(B64URL, R.choice([43, 86, 342]))
    return "%s.%s.%s" % (b64url(json.dumps(header, separators=(",", ":")).encode()),
                         b64url(json.dumps(payload, separators=(",", ":")).encode()),
                         sig)


def gen_pem(kind=None):
    kind = kind or R.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY",
                             "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"])
    lines = {"RSA PRIVATE KEY": 25, "PRIVATE KEY": 26, "EC PRIVATE KEY": 3,
             "OPENSSH PRIVATE KEY": 7, "ENCRYPTED PRIVATE KEY": 29}[kind]
    width = 70 if kind == "OPENSSH PRIVATE KEY" else 64
    start = {"RSA PRIVATE KEY": "MIIEow", "PRIVATE KEY": "MIIEvg",
             "EC PRIVATE KEY": "MHcCAQEE", "OPENSSH PRIVATE KEY": "b3BlbnNzaC1rZXktdjEA",
             "ENCRYPTED PRIVATE KEY": "MIIFHDBOBgkqhkiG9w0BBQ0w"}[kind]
    body = start + rs(B64, width * lines - len(start) - R.randint(5, 40))
    rows = [body[i:i + width] for i in range(0, len(body), width)]
    rows[-1] += "=" * R.randint(0, 2)
    return "-----BEGIN %s-----\n%s\n-----END %s-----" % (kind, "\n".join(rows), kind)


def gen_password():
    return R.choice([
        R.choice(WORDS).capitalize() + str(R.randint(1, 9999)) + R.choice("!@#$%&*?"),
        rs(ALNUM + "!@#$%^&*-_=+", R.randint(10, 24)),
        "-".join(R.sample(WORDS, 4)),
        R.choice(WORDS) + R.choice(WORDS) + str(R.randint(10, 99)),
        rs(LOWER + DIGITS, 12),
        "P@ssw0rd" + str(R.randint(100, 999)),
        R.choice(WORDS).capitalize() + "_" + R.choice(WORDS) + "_" + str(R.randint(2000, 2030)),
    ])


def gen_secret():
    return R.choice([
        rs(ALNUM, 32), rs(HEX, 40), rs(B64, 44), rs(ALNUM + "_-", 40),
        "django-insecure-" + rs(LOWER + DIGITS + "!@#$%^&*(-_=+)", 50),
        rs(ALNUM, 24) + "." + rs(ALNUM, 16), base64.b64encode(bytes(R.randint(0, 255) for _ in range(32))).decode(),
        rs(HEX, 64),
    ])


# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------

POS = []


def add(t, value, text, context):
    assert value in text, (t, value, text)
    POS.append({"type": t, "value": value, "text": text, "context": context})


def log_line(msg):
    return R.choice([
        "%s %s [%s] %s" % (ts(), level(), svc(), msg),
        "%s %s %s.py:%d %s" % (ts_space(), level(), svc(), R.randint(10, 900), msg),
        "[%s] %s: %s" % (ts(), svc(), msg),
        "%s - %s" % (level(), msg),
        msg,
    ])


def json_line(fields):
    return json.dumps(fields)


def pretty_json(fields):
    return json.dumps(fields, indent=2)


def traceback(msg, exc="ValueError"):
    frames = "".join(
        '  File "/app/%s/%s.py", line %d, in %s\n    %s\n' % (
            svc(), R.choice(["handlers", "models", "client", "views"]),
            R.randint(10, 400), R.choice(["handle", "process", "save", "send"]),
            R.choice(["result = client.send(payload)", "self.validate(record)",
                      "return self._request(method, url)"]))
        for _ in range(R.randint(1, 3)))
    return "Traceback (most recent call last):\n%s%s: %s" % (frames, exc, msg)


def table(headers, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    sep = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    def fmt(r):
        return "| " + " | ".join(str(x).ljust(w) for x, w in zip(r, widths)) + " |"
    return "\n".join([sep, fmt(headers), sep] + [fmt(r) for r in rows] + [sep])


def csv_rows(headers, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(headers)
    for r in rows:
        w.writerow(r)
    return out.getvalue().rstrip("\n")


def emit_pii(t, gen, n, contexts):
    for _ in range(n):
        v = gen()
        ctx = R.choice(contexts)
        add(t, v, ctx(v), ctx.__name__)


# --- EMAIL -----------------------------------------------------------------
def email_log(v): return log_line("sent password reset to %s" % v)
def email_json(v): f, l = name(); return json_line({"id": R.randint(1, 99999), "name": f.title() + " " + l.title(), "email": v, "active": True})
def email_csv(v): f, l = name(); return csv_rows(["id", "name", "email", "plan"], [[R.randint(1, 999), f + " " + l, v, R.choice(["free", "pro"])]])
def email_table(v): f, l = name(); return table(["user_id", "email", "created"], [[R.randint(100, 999), v, "2024-03-0%d" % R.randint(1, 9)]])
def email_git(v): f, l = name(); return "commit %s\nAuthor: %s %s <%s>\nDate:   Mon Mar 4 10:12:33 2024 +0100\n\n    fix parser" % (gen_hex(40), f.title(), l.title(), v)
def email_traceback(v): return traceback("duplicate key value violates unique constraint \"users_email_key\" DETAIL: Key (email)=(%s) already exists." % v, "psycopg2.errors.UniqueViolation")
def email_repr(v): return "{'to': ['%s'], 'subject': 'Invoice %d'}" % (v, R.randint(1000, 9999))
def email_url(v): return log_line("GET /api/users?email=%s&page=2 200" % v.replace("@", "%40"))
def email_mailto(v): return "<a href=\"mailto:%s\">Contact</a>" % v

# --- PHONE -----------------------------------------------------------------
def phone_log(v): return log_line("SMS delivered to %s status=ok" % v)
def phone_json(v): return json_line({"customer": R.randint(1, 9999), "phone": v, "country": "US"})
def phone_csv(v): f, l = name(); return csv_rows(["name", "phone"], [[f + " " + l, v]])
def phone_table(v): return table(["contact", "mobile"], [[" ".join(name()), v]])
def phone_prose(v): return "Please call %s to confirm the appointment." % v
def phone_ctx_label(v): return R.choice(["Phone: %s", "Tel. %s", "mobile=%s", "phone_number: \"%s\"", "Fax: %s", "Contact number: %s", "cell: %s", "WhatsApp %s"]) % v
def phone_ctx_json(v): return json_line({"name": " ".join(name()), "phoneNumber": v})

# --- SSN -------------------------------------------------------------------
def ssn_log(v): return log_line("verifying applicant ssn=%s" % v)
def ssn_json(v): return json_line({"applicant": " ".join(name()), "ssn": v, "status": "pending"})
def ssn_csv(v): return csv_rows(["employee", "ssn", "dept"], [[" ".join(name()), v, R.choice(["eng", "ops"])]])
def ssn_table(v): return table(["Name", "SSN"], [[" ".join(name()), v]])
def ssn_prose(v): return "Social Security Number: %s" % v
def ssn_nodash(v): return R.choice(["SSN: %s", "ssn %s", "social security no. %s"]) % v.replace("-", "")

# --- CARD ------------------------------------------------------------------
def card_log(v): return log_line("charge failed card=%s amount=%d.%02d currency=USD" % (v, R.randint(1, 999), R.randint(0, 99)))
def card_json(v): return json_line({"order": R.randint(10000, 99999), "payment": {"card_number": v, "exp": "%02d/%d" % (R.randint(1, 12), R.randint(25, 30))}})
def card_csv(v): return csv_rows(["txn", "card", "amount"], [[R.randint(1, 9999), v, "%d.%02d" % (R.randint(1, 500), R.randint(0, 99))]])
def card_table(v): return table(["customer", "pan", "status"], [[" ".join(name()), v, "declined"]])
def card_traceback(v): return traceback("Invalid expiry for card %s" % v, "PaymentError")
def card_repr(v): return "Card(number='%s', holder='%s')" % (v, " ".join(name()).title())

# --- IBAN ------------------------------------------------------------------
def iban_log(v): return log_line("payout scheduled to IBAN %s" % v)
def iban_json(v): return json_line({"beneficiary": " ".join(name()), "iban": v, "bic": rs(UPPER, 6) + "XX"})
def iban_csv(v): return csv_rows(["supplier", "iban", "due"], [[R.choice(["Acme GmbH", "Foo SARL", "Bar Ltd"]), v, "2024-06-30"]])
def iban_table(v): return table(["account", "iban"], [["primary", v]])

# --- IPV4 / IPV6 -----------------------------------------------------------
def ip_access(v): return '%s - - [04/Mar/2024:10:12:33 +0000] "GET /index.html HTTP/1.1" 200 %d' % (v, R.randint(100, 99999))
def ip_log(v): return log_line("connection from %s:%d accepted" % (v, R.randint(1024, 65535)))
def ip_json(v): return json_line({"client_ip": v, "path": "/login", "status": R.choice([200, 401])})
def ip_ssh(v): return "sshd[%d]: Failed password for root from %s port %d ssh2" % (R.randint(1000, 9999), v, R.randint(1024, 65535))
def ip_table(v): return table(["NAME", "STATUS", "IP"], [["web-%s" % rs(LOWER + DIGITS, 5), "Running", v]])
def ip6_log(v): return log_line("peer [%s]:443 handshake ok" % v)
def ip6_json(v): return json_line({"remote_addr": v, "proto": "h2"})
def ip6_plain(v): return "inet6 %s/64 scope global" % v

# --- DOB -------------------------------------------------------------------
def dob_label(v): return R.choice(["DOB: %s", "Date of birth: %s", "date_of_birth=%s", "born on %s", "Birthday: %s", "D.O.B. %s", "birth_date: \"%s\"", "Born %s"]) % v
def dob_json(v): return json_line({"patient": " ".join(name()), "dob": v, "mrn": R.randint(100000, 999999)})
def dob_json2(v): return json_line({"firstName": R.choice(FIRST), "dateOfBirth": v})
def dob_csv(v): return csv_rows(["name", "birthdate"], [[" ".join(name()), v]])

# --- PASSPORT / DL ---------------------------------------------------------
def passport_label(v): return R.choice(["Passport No: %s", "passport number: %s", "passport_number=%s", "Passport #%s", "passport: %s", "PASSPORT NUMBER %s"]) % v
def passport_json(v): return json_line({"traveller": " ".join(name()), "passport_no": v, "nationality": R.choice(["US", "DE", "GB"])})
def dl_label(v): return R.choice(["Driver's License: %s", "driver license number %s", "DL#: %s", "drivers_license=%s", "Driving licence no. %s", "License No: %s"]) % v
def dl_json(v): return json_line({"name": " ".join(name()), "driver_license": v, "state": R.choice(["CA", "NY", "TX"])})


def gen_pii():
    emit_pii("EMAIL", gen_email, 50, [email_log, email_json, email_csv, email_table, email_git, email_traceback, email_repr, email_mailto])
    for _ in range(6):
        v = gen_email()
        add("EMAIL", v.replace("@", "%40"), email_url(v), "email_url")
    emit_pii("PHONE", gen_phone_standalone, 36, [phone_log, phone_json, phone_csv, phone_table, phone_prose])
    emit_pii("PHONE", gen_phone_national, 20, [phone_ctx_label, phone_ctx_json])
    emit_pii("US_SSN", gen_ssn, 22, [ssn_log, ssn_json, ssn_csv, ssn_table, ssn_prose])
    for _ in range(6):
        v = gen_ssn()
        add("US_SSN", v.replace("-", ""), ssn_nodash(v), "ssn_nodash")
    emit_pii("CREDIT_CARD", gen_card, 36, [card_log, card_json, card_csv, card_table, card_traceback, card_repr])
    emit_pii("IBAN", gen_iban, 24, [iban_log, iban_json, iban_csv, iban_table])
    emit_pii("IPV4", gen_ipv4, 30, [ip_access, ip_log, ip_json, ip_ssh, ip_table])
    emit_pii("IPV6", gen_ipv6, 20, [ip6_log, ip6_json, ip6_plain])
    emit_pii("DATE_OF_BIRTH", gen_dob, 24, [dob_label, dob_json, dob_json2, dob_csv])
    emit_pii("PASSPORT", gen_passport, 16, [passport_label, passport_json])
    emit_pii("DRIVER_LICENSE", gen_driver_license, 16, [dl_label, dl_json])


# --- Secrets ---------------------------------------------------------------
def env_dump(name_, v):
    others = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/app", "LANG=C.UTF-8",
              "HOSTNAME=%s" % rs(HEX, 12), "PYTHONUNBUFFERED=1", "TZ=UTC"]
    lines = R.sample(others, 3) + ["%s=%s" % (name_, v)]
    R.shuffle(lines)
    return "\n".join(lines)


def secret_contexts(var_names, v):
    n = R.choice(var_names)
    return R.choice([
        ("env", env_dump(n, v)),
        ("export", "export %s=\"%s\"" % (n, v)),
        ("json", json_line({n.lower(): v, "region": "us-east-1"})),
        ("yaml", "%s:\n  %s: %s\n  timeout: 30" % (svc(), n.lower(), v)),
        ("log", log_line("loaded credentials %s=%s" % (n.lower(), v))),
        ("repr", "Settings(%s='%s', debug=False)" % (n.lower(), v)),
        ("docker", "docker run -e %s=%s -p 8080:8080 app:latest" % (n, v)),
        ("dotenv", "# .env\n%s=%s\nDEBUG=false" % (n, v)),
    ])


def gen_secrets():
    def many(t, gen, n, var_names, extra=None):
        for i in range(n):
            v = gen()
            if extra is not None and i % 3 == 2:
                ctx, text = extra(v)
            else:
                ctx, text = secret_contexts(var_names, v)
            add(t, v, text, ctx)

    many("AWS_ACCESS_KEY_ID", gen_aws_key_id, 20, ["AWS_ACCESS_KEY_ID", "aws_access_key_id", "AccessKeyId"],
         lambda v: ("boto", "botocore.exceptions.ClientError: An error occurred (InvalidAccessKeyId) when calling the ListBuckets operation: The AWS Access Key Id %s you provided does not exist in our records." % v))
    many("AWS_SECRET_KEY", gen_aws_secret, 16, ["AWS_SECRET_ACCESS_KEY", "aws_secret_access_key", "SecretAccessKey"],
         lambda v: ("csv", "User name,Password,Access key ID,Secret access key,Console login link\ndeploy,,%s,%s,https://%d.signin.aws.amazon.com/console" % (gen_aws_key_id(), v, R.randint(10**11, 10**12 - 1))))
    for _ in range(4):
        kid, sec = gen_aws_key_id(), gen_aws_secret()
        text = "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = us-west-2" % (kid, sec)
        add("AWS_ACCESS_KEY_ID", kid, text, "credentials_file")
        add("AWS_SECRET_KEY", sec, text, "credentials_file")
    many("GCP_API_KEY", gen_gcp_api_key, 14, ["GOOGLE_API_KEY", "GCP_API_KEY", "maps_api_key", "FIREBASE_API_KEY"],
         lambda v: ("url", log_line("GET https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key=%s 200" % v)))
    for _ in range(8):
        kid, pem = gen_hex(40), gen_pem("PRIVATE KEY")
        proj = R.choice(["acme-prod", "data-platform-123", "ml-training"])
        sa = {"type": "service_account", "project_id": proj, "private_key_id": kid,
              "private_key": pem + "\n", "client_email": "svc@%s.iam.gserviceaccount.com" % proj,
              "client_id": str(R.randint(10**20, 10**21 - 1)), "token_uri": "https://oauth2.googleapis.com/token"}
        text = json.dumps(sa, indent=2) if R.random() < 0.6 else json.dumps(sa)
        add("GCP_SERVICE_ACCOUNT_KEY", kid, text, "sa_json")
        add("PRIVATE_KEY", pem.split("\n")[3], text, "sa_json_key_line")
    many("AZURE_STORAGE_KEY", gen_azure_key, 10, ["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY", "storageAccountKey"])
    for _ in range(10):
        acct = rs(LOWER + DIGITS, 12)
        v = R.choice([
            "DefaultEndpointsProtocol=https;AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net" % (acct, gen_azure_key()),
            "Endpoint=sb://%s.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=%s" % (acct, rs(B64, 43) + "="),
            "BlobEndpoint=https://%s.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2025-01-01T00:00:00Z&sig=%s" % (acct, rs(B64, 43).replace("+", "%2B").replace("/", "%2F") + "%3D"),
        ])
        ctx, text = R.choice([("env", "AZURE_STORAGE_CONNECTION_STRING=%s" % v),
                              ("json", json_line({"ConnectionStrings": {"Storage": v}})),
                              ("log", log_line("using connection string %s" % v))])
        add("AZURE_CONNECTION_STRING", v, text, ctx)
    many("GITHUB_TOKEN", gen_github, 20, ["GITHUB_TOKEN", "GH_TOKEN", "github_token", "token"],
         lambda v: ("git", "git clone https://x-access-token:%s@github.com/acme/private-repo.git" % v))
    many("GITLAB_TOKEN", gen_gitlab, 12, ["GITLAB_TOKEN", "CI_JOB_TOKEN", "private_token"],
         lambda v: ("curl", "curl --header \"PRIVATE-TOKEN: %s\" https://gitlab.example.com/api/v4/projects" % v))
    many("BITBUCKET_TOKEN", gen_bitbucket, 10, ["BITBUCKET_APP_PASSWORD", "BB_TOKEN", "bitbucket_token"])
    many("OPENAI_API_KEY", gen_openai, 16, ["OPENAI_API_KEY", "openai_api_key", "api_key"],
         lambda v: ("error", "openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error'}}" % v))
    many("ANTHROPIC_API_KEY", gen_anthropic, 12, ["ANTHROPIC_API_KEY", "anthropic_key", "x-api-key"])
    many("HUGGINGFACE_TOKEN", gen_hf, 12, ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "hf_token"],
         lambda v: ("cli", "huggingface-cli login --token %s" % v))
    many("SLACK_TOKEN", gen_slack_token, 12, ["SLACK_BOT_TOKEN", "SLACK_TOKEN", "slack_app_token"])
    many("SLACK_WEBHOOK", gen_slack_webhook, 10, ["SLACK_WEBHOOK_URL", "webhook_url", "ALERT_WEBHOOK"],
         lambda v: ("curl", "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"deploy done\"}' %s" % v))
    many("STRIPE_KEY", gen_stripe, 12, ["STRIPE_SECRET_KEY", "stripe_api_key", "STRIPE_KEY"],
         lambda v: ("error", "stripe.error.AuthenticationError: Invalid API Key provided: %s" % v))
    many("TWILIO_KEY", gen_twilio, 10, ["TWILIO_API_KEY", "TWILIO_ACCOUNT_SID", "twilio_sid"])
    many("SENDGRID_KEY", gen_sendgrid, 10, ["SENDGRID_API_KEY", "sendgrid_key", "SMTP_PASSWORD"])
    many("NPM_TOKEN", gen_npm, 10, ["NPM_TOKEN", "NODE_AUTH_TOKEN"],
         lambda v: ("npmrc", "//registry.npmjs.org/:_authToken=%s\nalways-auth=true" % v))
    many("PYPI_TOKEN", gen_pypi, 10, ["PYPI_TOKEN", "TWINE_PASSWORD", "pypi_api_token"],
         lambda v: ("pypirc", "[pypi]\n  username = __token__\n  password = %s" % v))
    many("JWT", gen_jwt, 20, ["ID_TOKEN", "access_token", "jwt"],
         lambda v: ("header", "> Authorization: Bearer %s\n> Accept: */*" % v))
    for _ in range(24):
        pem = gen_pem()
        ctx, text = R.choice([
            ("plain", pem),
            ("cat", "$ cat ~/.ssh/id_rsa\n%s\n$ ls" % pem),
            ("log", "%s DEBUG loaded key:\n%s\n%s INFO ready" % (ts(), pem, ts())),
            ("json", json_line({"key": pem + "\n", "kid": rs(HEX, 8)})),
            ("indented", "tls:\n  key: |\n" + "\n".join("    " + l for l in pem.split("\n")) + "\n  cert: cert.pem"),
        ])
        if ctx == "json":
            value = pem.split("\n")[2]
        elif ctx == "indented":
            value = pem.split("\n")[1]
        else:
            value = pem
        add("PRIVATE_KEY", value, text, ctx)
    for _ in range(22):
        user = R.choice(["admin", "app", "postgres", "root", "svc_etl", "readonly"])
        pw = rs(ALNUM, R.randint(10, 20))
        host = R.choice(HOSTS)
        v = R.choice([
            "postgres://%s:%s@%s:5432/%s" % (user, pw, host, R.choice(["prod", "app", "analytics"])),
            "postgresql://%s:%s@%s/%s?sslmode=require" % (user, pw, host, "app"),
            "mysql://%s:%s@%s:3306/shop" % (user, pw, host),
            "mongodb+srv://%s:%s@cluster0.%s.mongodb.net/test?retryWrites=true" % (user, pw, rs(LOWER + DIGITS, 5)),
            "redis://:%s@%s:6379/0" % (pw, host),
            "amqp://%s:%s@rabbit.internal:5672/" % (user, pw),
            "Server=tcp:%s.database.windows.net,1433;Initial Catalog=app;User ID=%s;Password=%s;Encrypt=True;" % (rs(LOWER, 8), user, pw),
            "jdbc:postgresql://%s:5432/app?user=%s&password=%s" % (host, user, pw),
        ])
        ctx, text = R.choice([
            ("env", "DATABASE_URL=%s" % v), ("log", log_line("connecting to %s" % v)),
            ("traceback", traceback("could not connect to server: %s" % v, "sqlalchemy.exc.OperationalError")),
            ("yaml", "database:\n  url: %s\n  pool: 5" % v),
            ("json", json_line({"dsn": v, "pool_size": 10}))])
        add("DB_CONNECTION_STRING", v, text, ctx)
    for _ in range(14):
        user = R.choice(FIRST)
        pw = gen_password().replace("@", "").replace("/", "").replace(":", "").replace("#", "").replace("?", "").replace("%", "")
        v = R.choice(["https", "http", "ftp", "git+https", "smtp"]) + "://%s:%s@%s/%s" % (
            user, pw, R.choice(["registry.example.com", "files.corp.example.org", "git.internal", "mail.example.net"]),
            R.choice(["simple/", "pub/data.tar.gz", "org/repo.git", ""]))
        ctx, text = R.choice([("pip", "Looking in indexes: %s" % v), ("log", log_line("fetching %s" % v)),
                              ("git", "remote: origin %s (fetch)" % v)])
        add("URL_CREDENTIALS", v, text, ctx)
    for _ in range(20):
        kind = R.choice(["bearer", "bearer", "basic", "token", "header"])
        if kind == "basic":
            v = base64.b64encode(("%s:%s" % (R.choice(FIRST), gen_password())).encode()).decode()
            text = R.choice(["Authorization: Basic %s", "> authorization: Basic %s", "curl -H 'Authorization: Basic %s' https://api.example.com/v1/me"]) % v
        elif kind == "token":
            v = rs(HEX, 40)
            text = "Authorization: token %s" % v
        elif kind == "header":
            v = rs(ALNUM, 32)
            text = R.choice(["X-Api-Key: %s", "x-auth-token: %s", "{\"headers\": {\"X-API-KEY\": \"%s\"}}"]) % v
        else:
            v = rs(ALNUM + "-._~", R.randint(24, 60))
            text = R.choice(["Authorization: Bearer %s", "requests.get(url, headers={'Authorization': 'Bearer %s'})",
                             "{\"Authorization\": \"Bearer %s\", \"Accept\": \"application/json\"}",
                             "curl -sS -H \"Authorization: Bearer %s\" https://api.example.com/v2/items"]) % v
        add("AUTH_HEADER", v, log_line(text) if R.random() < 0.3 else text, kind)
    for _ in range(40):
        v = gen_password()
        key = R.choice(["password", "PASSWORD", "db_password", "DB_PASSWORD", "passwd", "pwd",
                        "admin_password", "POSTGRES_PASSWORD", "MYSQL_ROOT_PASSWORD", "userPassword",
                        "smtp_pass", "passphrase", "REDIS_PASSWORD", "password_confirmation"])
        ctx, text = R.choice([
            ("env", env_dump(key.upper(), v)),
            ("json", json_line({"username": R.choice(FIRST), key: v})),
            ("yaml", "credentials:\n  user: %s\n  %s: %s" % (R.choice(FIRST), key, v)),
            ("yaml_quoted", "  %s: \"%s\"" % (key, v)),
            ("log", log_line("login attempt user=%s %s=%s" % (R.choice(FIRST), key, v))),
            ("repr", "{'user': '%s', '%s': '%s', 'host': 'db'}" % (R.choice(FIRST), key, v)),
            ("cli", "mysql --user=root --password=%s -h 127.0.0.1" % v),
            ("kwargs", "connect(host='db', user='app', %s='%s')" % (key.lower(), v)),
            ("ini", "[database]\nhost = db.internal\n%s = %s" % (key.lower(), v)),
        ])
        add("PASSWORD", v, text, ctx)
    for _ in range(36):
        v = gen_secret()
        key = R.choice(["api_key", "API_KEY", "client_secret", "CLIENT_SECRET", "SECRET_KEY", "secret",
                        "auth_token", "access_token", "refresh_token", "webhook_secret", "signing_key",
                        "encryption_key", "private_key", "app_secret", "consumer_secret", "apiKey",
                        "session_secret", "JWT_SECRET", "master_key", "credentials"])
        ctx, text = R.choice([
            ("env", env_dump(key.upper(), v)),
            ("json", json_line({key: v, "enabled": True})),
            ("yaml", "auth:\n  %s: %s" % (key, v)),
            ("log", log_line("config %s=%s" % (key, v))),
            ("repr", "Config(%s='%s')" % (key, v)),
            ("js", "const %s = \"%s\";" % (key, v)),
            ("toml", "%s = \"%s\"" % (key, v)),
        ])
        add("SECRET", v, text, ctx)


# ---------------------------------------------------------------------------
# Negatives
# ---------------------------------------------------------------------------

def not_luhn(n):
    while True:
        d = str(R.randint(1, 9)) + rs(DIGITS, n - 1)
        total = 0
        for i, ch in enumerate(reversed(d)):
            x = int(ch)
            if i % 2 == 1:
                x *= 2
                if x > 9:
                    x -= 9
            total += x
        if total % 10 != 0:
            return d


def gen_negatives():
    out = []
    def add_n(line):
        out.append(line)
    for _ in range(40):
        add_n(log_line("request_id=%s trace=%s status=200 latency=%.3fs" % (uuid.UUID(int=R.getrandbits(128)), rs(HEX, 32), R.random())))
    for _ in range(25):
        add_n("commit %s" % gen_hex(40))
        add_n("%s %s" % (gen_hex(7), R.choice(["fix: handle empty input", "feat: add retry", "docs: update README", "chore(deps): bump requests to 2.31.0"])))
    for _ in range(20):
        add_n("sha256:%s" % gen_hex(64))
        add_n("%s  %s" % (gen_hex(64), R.choice(["dist/app.tar.gz", "model.safetensors", "requirements.txt"])))
        add_n("md5sum: %s" % gen_hex(32))
    for _ in range(15):
        add_n("Digest: sha256:%s" % gen_hex(64))
        add_n("Status: Downloaded newer image for python:3.%d-slim" % R.randint(8, 12))
        add_n("%s: Pull complete" % gen_hex(12))
    for _ in range(20):
        add_n("Successfully installed %s" % " ".join("%s-%d.%d.%d" % (R.choice(["requests", "numpy", "urllib3", "idna", "certifi", "pydantic", "fastapi"]), R.randint(0, 3), R.randint(0, 30), R.randint(0, 20)) for _ in range(4)))
        add_n("Requirement already satisfied: %s>=%d.%d in ./venv/lib/python3.11/site-packages (%d.%d.%d)" % (R.choice(["six", "attrs", "packaging"]), R.randint(1, 9), R.randint(0, 9), R.randint(1, 9), R.randint(0, 20), R.randint(0, 9)))
        add_n("added %d packages, and audited %d packages in %ds" % (R.randint(1, 900), R.randint(900, 2000), R.randint(1, 60)))
    for _ in range(15):
        add_n("node v%d.%d.%d, npm %d.%d.%d, python 3.%d.%d" % (R.randint(16, 22), R.randint(0, 20), R.randint(0, 9), R.randint(8, 10), R.randint(0, 9), R.randint(0, 9), R.randint(8, 12), R.randint(0, 15)))
        add_n("Version: %d.%d.%d.%d" % (R.randint(1, 20), R.randint(0, 9), R.randint(0, 99999), R.randint(0, 9999)))
        add_n("Microsoft Windows [Version 10.0.%d.%d]" % (R.randint(19000, 22631), R.randint(1000, 4000)))
    for _ in range(30):
        add_n("%s %s took %.6f seconds (%d items, %.2f%%)" % (ts(), R.choice(["step", "epoch", "batch"]), R.random() * 100, R.randint(1, 10**6), R.random() * 100))
        add_n("epoch %d/%d loss=%.4f acc=%.4f val_loss=%.4f lr=%.2e" % (R.randint(1, 50), 50, R.random(), R.random(), R.random(), R.random() / 1000))
    for _ in range(15):
        add_n("%d %d %d.%06d %d" % (R.randint(1600000000, 1800000000), R.randint(10**12, 10**13 - 1), R.randint(0, 9999), R.randint(0, 999999), R.randint(0, 10**9)))
        add_n("[%s] tick %d" % (ts(), R.randint(0, 10**6)))
        add_n("%s.%06d" % (ts_space()[:19], R.randint(0, 999999)))
    for _ in range(20):
        add_n("  File \"/usr/lib/python3.11/%s.py\", line %d, in %s" % (R.choice(["json/decoder", "asyncio/base_events", "subprocess"]), R.randint(1, 2000), R.choice(["decode", "run_until_complete", "_execute_child"])))
        add_n("/home/runner/work/%s/%s/src/%s.rs:%d:%d" % (R.choice(["app", "lib"]), R.choice(["app", "lib"]), R.choice(["main", "parser"]), R.randint(1, 999), R.randint(1, 80)))
    for _ in range(20):
        add_n("data: %s" % base64.b64encode(R.choice([b"hello world", b"{\"ok\":true}", b"status report for week 12", b"The quick brown fox"])).decode())
        add_n("thumbnail=%s" % base64.b64encode(bytes(R.randint(0, 255) for _ in range(24))).decode())
    for _ in range(20):
        a, e, s = str(R.randint(0, 1)) + rs(DIGITS, 2), rs(DIGITS, 3), rs(DIGITS, 4)
        add_n("ValidationError: '%s-%s-%s' is not a valid US phone number" % (a, e, s))
        add_n("order #%s total %d.%02d" % (not_luhn(16), R.randint(1, 999), R.randint(0, 99)))
        add_n("card_last4=%s bin=%s" % (rs(DIGITS, 4), rs(DIGITS, 6)))
    for _ in range(15):
        add_n("+%d%s rejected: unknown country code" % (R.choice([0, 28, 80, 83, 89, 99]), rs(DIGITS, 1)))
        add_n("tracking %s" % not_luhn(R.choice([13, 15, 16, 18])))
        add_n("ssn-format check failed for 000-%02d-%04d and 666-%02d-%04d" % (R.randint(1, 99), R.randint(1, 9999), R.randint(1, 99), R.randint(1, 9999)))
    for _ in range(20):
        add_n("Listening on http://127.0.0.1:%d (Press CTRL+C to quit)" % R.randint(3000, 9000))
        add_n("bound to 0.0.0.0:%d, netmask 255.255.255.0" % R.randint(1000, 9999))
        add_n("pip install %s==%d.%d.%d.%d" % (R.choice(["foo", "pyyaml", "lxml"]), R.randint(1, 9), R.randint(0, 9), R.randint(0, 9), R.randint(0, 9)))
    for _ in range(15):
        add_n("OID 1.3.6.1.4.1.%d.%d.%d" % (R.randint(1, 50000), R.randint(1, 9), R.randint(1, 9)))
        add_n("mac %s" % ":".join(rs(HEX, 2) for _ in range(6)))
        add_n("at %02d:%02d:%02d.%03d" % (R.randint(0, 23), R.randint(0, 59), R.randint(0, 59), R.randint(0, 999)))
    for _ in range(25):
        add_n(R.choice([
            "    password = getpass.getpass(\"Password: \")",
            "    token = os.environ[\"GITHUB_TOKEN\"]",
            "    api_key = config.get(\"api_key\")",
            "def connect(user, password=None, timeout=30):",
            "    conn = psycopg2.connect(host=host, user=user, password=password)",
            "password: ********",
            "Password: [hidden]",
            "\"token_type\": \"Bearer\", \"expires_in\": 3600",
            "max_tokens=4096 temperature=0.7 top_p=1.0",
            "usage: prompt_tokens=%d completion_tokens=%d total_tokens=%d" % (R.randint(10, 999), R.randint(10, 999), R.randint(1000, 2000)),
            "password_min_length: 12",
            "Enter your password:",
            "api_key: ${API_KEY}",
            "SECRET_KEY=<your-secret-key-here>",
            "export OPENAI_API_KEY=\"sk-...\"",
            "Authorization: Bearer <token>",
            "--password-stdin",
            "KeyError: 'password'",
            "secret_name: db-credentials",
            "cache_key=user:%d:profile" % R.randint(1, 9999),
            "primary_key: id",
            "tokenizer: bert-base-uncased",
            "password_reset_url: https://example.com/reset",
            "auth: required",
            "PWD=/home/runner/work/app",
        ]))
    for _ in range(20):
        add_n(table(["NAME", "READY", "STATUS", "RESTARTS", "AGE"], [["web-%s-%s" % (rs(HEX, 9), rs(LOWER + DIGITS, 5)), "1/1", "Running", str(R.randint(0, 5)), "%dd" % R.randint(1, 90)]]).split("\n")[3])
        add_n("%-20s %10d %8.2f%%" % (R.choice(["/dev/sda1", "tmpfs", "overlay"]), R.randint(10**5, 10**9), R.random() * 100))
        add_n("drwxr-xr-x  %d app app %6d Mar  4 10:12 %s" % (R.randint(1, 9), R.randint(1, 99999), R.choice(["src", "build", ".git", "node_modules"])))
    for _ in range(15):
        add_n("arn:aws:iam::%s:role/%s" % (rs(DIGITS, 12), R.choice(["deploy", "ci-runner", "lambda-exec"])))
        add_n("s3://%s/%s/%s.parquet" % (R.choice(["data-lake", "logs-archive"]), ts()[:10], rs(HEX, 16)))
        add_n("i-%s running t3.medium us-east-1a" % rs(HEX, 17))
    for _ in range(15):
        add_n("color: #%s; margin: %dpx %dpx;" % (rs(HEX, 6), R.randint(0, 40), R.randint(0, 40)))
        add_n("x=%.8f y=%.8f z=%.8f" % (R.uniform(-180, 180), R.uniform(-90, 90), R.random()))
        add_n("[%s]" % ", ".join("%.8f" % R.random() for _ in range(4)))
    for _ in range(10):
        add_n("SELECT id, email, created_at FROM users WHERE id = %d;" % R.randint(1, 10**6))
        add_n("(%d rows affected)" % R.randint(0, 1000))
        add_n("Born in %d, the library has %d contributors" % (R.randint(1990, 2015), R.randint(10, 900)))
        add_n("the phone app crashed at frame %d" % R.randint(1, 10**5))
        add_n("see RFC 4291 section 2.5.%d; std::vector<int>::iterator it" % R.randint(1, 9))
        add_n("slice a[1::2] and b[::-1] and c[2::3]")
    for _ in range(15):
        add_n("Fetching https://registry.npmjs.org/%s/-/%s-%d.%d.%d.tgz" % ((R.choice(["lodash", "react", "express"]),) * 2 + (R.randint(1, 18), R.randint(0, 9), R.randint(0, 9))))
        add_n("git@github.com:%s/%s.git" % (R.choice(["acme", "octo"]), R.choice(["api", "web"])))
        add_n("loaded assets/logo@2x.png and icon@3x.png")
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    gen_pii()
    gen_secrets()
    negatives = gen_negatives()
    with open(os.path.join(out_dir, "positives.jsonl"), "w") as f:
        for p in POS:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    with open(os.path.join(out_dir, "negatives.txt"), "w") as f:
        for line in negatives:
            assert "\n" not in line
            f.write(line + "\n")
    types = sorted({p["type"] for p in POS})
    print("%d positives over %d types, %d negative lines" % (len(POS), len(types), len(negatives)))


if __name__ == "__main__":
    main()
