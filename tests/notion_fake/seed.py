"""The default leadscore schema (SPEC §10–11) and a realistic book of veterinary practices.

Choices for the properties the spec leaves open: ``Status`` is a **status** property
(New → Contacted/Qualified/Proposal Sent → Won/Lost), ``Assigned To`` is a **people** property
(the fake's users, see :data:`PEOPLE`), ``EMR System`` is a **select** (empty when the practice has
none), ``Last Contact`` a date, ``Tags`` a multi_select, ``Call Notes`` rich_text. The write-back
properties (``Lead Score``, ``Priority Tier``, ``Score Breakdown``, ``Confidence Flags``,
``Scoring Status``) exist and start empty apart from ``Scoring Status = Not Scored``.
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeNotion

PEOPLE = (
    ("Dana Reyes", "dana.reyes@example.com"),
    ("Marcus Lee", "marcus.lee@example.com"),
    ("Priya Shah", "priya.shah@example.com"),
    ("Tom Becker", "tom.becker@example.com"),
)
ENRICHMENT_STATUSES = ("Completed", "Partial", "Failed", "Not Started")
CONFIDENCE = ("high", "medium", "low")
EMR_SYSTEMS = ("Cornerstone", "IDEXX Neo", "AVImark", "eVetPractice", "ezyVet")
TECHNOLOGIES = (
    "Online Booking",
    "Telemedicine",
    "Text Reminders",
    "Patient Portal",
    "Digital Radiography",
    "Laser Therapy",
    "Mobile App",
    "Online Pharmacy",
    "Ultrasound",
    "In-house Lab",
)
TAGS = (
    "Priority",
    "Follow Up",
    "Referral",
    "Conference Lead",
    "Existing Customer",
    "Do Not Call",
    "Multi-site",
)
PRIORITY_TIERS = ("Hot", "Warm", "Cold", "Pending Enrichment")
CONFIDENCE_FLAGS = (
    "Low Confidence Vet Count",
    "Medium Confidence Data",
    "Partial Enrichment",
    "Missing Decision Maker",
    "Limited Technology Data",
    "Data Validation Error",
)
SCORING_STATUSES = ("Not Scored", "Scored", "Failed")
STATUSES = {
    "To-do": ["New"],
    "In progress": ["Contacted", "Qualified", "Proposal Sent"],
    "Complete": ["Won", "Lost"],
}

LEADSCORE_SCHEMA: dict[str, Any] = {
    "Name": "title",
    "Address": "rich_text",
    "Phone": "phone_number",
    "Website": "url",
    "Rating": "number",
    "Reviews": "number",
    "Place ID": "rich_text",
    "Multiple Locations": "checkbox",
    "Enrichment Status": ("select", list(ENRICHMENT_STATUSES)),
    "Enrichment Confidence": ("select", list(CONFIDENCE)),
    "Vet Count": "number",
    "Vet Count Confidence": ("select", list(CONFIDENCE)),
    "Phone Numbers": "rich_text",
    "Emails": "rich_text",
    "EMR System": ("select", list(EMR_SYSTEMS)),
    "Online Booking": "checkbox",
    "Telemedicine": "checkbox",
    "Technologies": ("multi_select", list(TECHNOLOGIES)),
    "Decision Maker": "rich_text",
    "Decision Maker Title": "rich_text",
    "Decision Maker LinkedIn": "url",
    "Initial Score": "number",
    "Status": ("status", STATUSES),
    "Assigned To": "people",
    "Call Notes": "rich_text",
    "Last Contact": "date",
    "Tags": ("multi_select", list(TAGS)),
    "Lead Score": "number",
    "Priority Tier": ("select", list(PRIORITY_TIERS)),
    "Score Breakdown": "rich_text",
    "Confidence Flags": ("multi_select", list(CONFIDENCE_FLAGS)),
    "Scoring Status": ("select", list(SCORING_STATUSES)),
}
"""Property name → spec, in the form ``FakeNotion.set_schema`` takes."""

_PREFIXES = (
    "Happy Paws",
    "Riverside",
    "Oak Valley",
    "Bayview",
    "Cedar Creek",
    "Sunset",
    "Maple Grove",
    "Lakeshore",
    "Northside",
    "Heritage",
    "Willow Bend",
    "Summit",
    "Prairie",
    "Harbor",
    "Pinecrest",
    "All Creatures",
    "Companion",
    "Gentle Care",
    "Blue Ridge",
    "Meadowbrook",
    "Eastgate",
    "Red Rock",
)
_SUFFIXES = (
    "Animal Hospital",
    "Veterinary Clinic",
    "Pet Care",
    "Vet Center",
    "Animal Clinic",
    "Veterinary Hospital",
    "Pet Hospital",
    "Animal Medical Center",
)
_CITIES = (
    ("Austin", "TX", "512"),
    ("Denver", "CO", "303"),
    ("Portland", "OR", "503"),
    ("Raleigh", "NC", "919"),
    ("Madison", "WI", "608"),
    ("Boise", "ID", "208"),
    ("Tampa", "FL", "813"),
    ("Columbus", "OH", "614"),
    ("Sacramento", "CA", "916"),
    ("Nashville", "TN", "615"),
    ("Omaha", "NE", "402"),
    ("Tucson", "AZ", "520"),
)
_STREETS = ("Main St", "Oak Ave", "Elm St", "Highway 9", "Market St", "Park Blvd", "Lakeview Dr", "Church Rd")
_FIRST = (
    "Sarah",
    "James",
    "Emily",
    "Michael",
    "Olivia",
    "David",
    "Hannah",
    "Robert",
    "Laura",
    "Kevin",
    "Ana",
)
_LAST = ("Nguyen", "Patel", "Johnson", "Garcia", "Kim", "Miller", "O'Brien", "Schmidt", "Okafor", "Rossi")
_TITLES = ("Practice Manager", "Medical Director", "Owner, DVM", "Hospital Administrator", "Office Manager")
_NOTES = (
    "Left voicemail with front desk.",
    "Spoke to practice manager; call back next quarter.",
    "Interested in a demo. Prefers email.",
    "Gatekeeper: ask for the medical director.",
    "Using a competitor; contract ends in the spring.",
    "Sent pricing sheet.",
)


def seed_practices(
    srv: FakeNotion, n: int, seed: int = 0, *, dirty: float = 0.02, spread_days: int = 14
) -> list[str]:
    """Add ``n`` realistic vet practices to ``srv``; returns their page ids (deterministic for a seed).

    Mix: Enrichment Status ≈ 45% Completed, 20% Partial, 10% Failed, 25% Not Started (only the first
    two carry enrichment data); confidence high/medium/low; 1–22 vets (sweet spot common); 0–4
    extra phone numbers in ``Phone Numbers`` separated by ``;`` or new lines, sometimes repeating the
    main number in another format; EMR Cornerstone/IDEXX Neo/AVImark/eVetPractice/ezyVet or none;
    decision makers on ~70% of enriched practices. About ``dirty`` of the pages carry one invalid
    value (``Rating`` 7.3, ``Reviews`` -5, and on enriched pages ``Vet Count`` -1 or ``Phone Numbers``
    "n/a"), as real data does.
    ``last_edited_time`` is spread over the last ``spread_days`` days. Properties missing from the
    current schema are skipped.
    """
    rng = random.Random(seed)
    now = srv.clock()
    known = set(srv.data_source()["properties"])
    names: set[str] = set()
    ids = []
    for _ in range(n):
        values = practice_values(rng, now.date(), names, dirty)
        edited = now - timedelta(minutes=rng.randint(0, spread_days * 24 * 60))
        created = edited - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
        values = {k: v for k, v in values.items() if k in known}
        ids.append(srv.add_page(values, created_time=created, last_edited_time=edited))
    return ids


def practice_values(rng: random.Random, today: date, names: set[str], dirty: float = 0.0) -> dict[str, Any]:
    """Plain values for one practice (see :func:`seed_practices`)."""
    city, state, area = rng.choice(_CITIES)
    name = _unique_name(rng, names, city)
    slug = "".join(c for c in name.lower() if c.isalnum())[:24]
    status = rng.choices(ENRICHMENT_STATUSES, weights=(45, 20, 10, 25))[0]
    values: dict[str, Any] = {
        "Name": name,
        "Address": _address(rng, city, state),
        "Phone": _phone(rng, area),
        "Website": f"https://www.{slug}.com" if rng.random() < 0.85 else None,
        "Rating": round(rng.uniform(3.0, 5.0), 1) if rng.random() < 0.92 else None,
        "Reviews": rng.randint(0, 900) if rng.random() < 0.9 else None,
        "Place ID": "ChIJ"
        + "".join(rng.choice(string.ascii_letters + string.digits + "_-") for _ in range(23)),
        "Multiple Locations": rng.random() < 0.15,
        "Enrichment Status": status,
        "Initial Score": rng.randint(10, 95) if rng.random() < 0.8 else None,
        "Status": rng.choices(
            ("New", "Contacted", "Qualified", "Proposal Sent", "Won", "Lost"), weights=(40, 25, 15, 8, 5, 7)
        )[0],
        "Assigned To": [rng.choice(PEOPLE)[0]] if rng.random() < 0.6 else [],
        "Call Notes": rng.choice(_NOTES) if rng.random() < 0.35 else None,
        "Last Contact": (today - timedelta(days=rng.randint(1, 90))).isoformat()
        if rng.random() < 0.5
        else None,
        "Tags": rng.sample(TAGS, k=rng.choice((0, 0, 1, 1, 2))),
        "Scoring Status": "Not Scored" if rng.random() < 0.9 else None,
    }
    if status in ("Completed", "Partial"):
        values.update(_enrichment(rng, area, slug, values["Phone"], partial=status == "Partial"))
    if rng.random() < dirty:
        glitches: list[dict[str, Any]] = [{"Rating": 7.3}, {"Reviews": -5}]
        if status in ("Completed", "Partial"):
            glitches += [{"Vet Count": -1}, {"Phone Numbers": "n/a"}]
        values.update(rng.choice(glitches))
    return values


def _unique_name(rng: random.Random, names: set[str], city: str) -> str:
    name = f"{rng.choice(_PREFIXES)} {rng.choice(_SUFFIXES)}"
    if name in names:
        name = f"{name} of {city}"
    while name in names:
        name = f"{name} #{rng.randint(2, 99)}"
    names.add(name)
    return name


def _address(rng: random.Random, city: str, state: str) -> str:
    return f"{rng.randint(10, 9999)} {rng.choice(_STREETS)}, {city}, {state} {rng.randint(10000, 99999)}"


def _phone(rng: random.Random, area: str) -> str:
    return f"({area}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}"


def _enrichment(rng: random.Random, area: str, slug: str, main_phone: str, partial: bool) -> dict[str, Any]:
    vets = rng.choices(
        (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 22), weights=(6, 8, 10, 10, 12, 12, 10, 7, 5, 4, 3, 2, 1)
    )[0]
    emr = rng.choices((*EMR_SYSTEMS, None), weights=(25, 20, 15, 8, 10, 22))[0]
    booking, telemedicine = rng.random() < 0.45, rng.random() < 0.2
    techs = set(rng.sample(TECHNOLOGIES[2:], k=rng.choice((0, 1, 1, 2, 3))))
    techs |= {"Online Booking"} if booking else set()
    techs |= {"Telemedicine"} if telemedicine else set()
    values: dict[str, Any] = {
        "Vet Count": None if partial and rng.random() < 0.3 else vets,
        "Vet Count Confidence": rng.choices(CONFIDENCE, weights=(50, 35, 15))[0],
        "Enrichment Confidence": _confidence(rng, partial),
        "Phone Numbers": _phone_list(rng, area, main_phone),
        "Emails": _emails(rng, slug, partial),
        "EMR System": emr,
        "Online Booking": booking,
        "Telemedicine": telemedicine,
        "Technologies": sorted(techs),
    }
    if rng.random() < (0.5 if partial else 0.75):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        values["Decision Maker"] = f"Dr. {first} {last}" if rng.random() < 0.4 else f"{first} {last}"
        values["Decision Maker Title"] = rng.choice(_TITLES)
        if rng.random() < 0.75:
            handle = f"{first}-{last}".lower().replace("'", "")
            values["Decision Maker LinkedIn"] = (
                f"https://www.linkedin.com/in/{handle}-{rng.randint(100, 999)}"
            )
    return values


def _confidence(rng: random.Random, partial: bool) -> str | None:
    if rng.random() < 0.05:
        return None
    return rng.choices(CONFIDENCE, weights=(15, 45, 40) if partial else (50, 35, 15))[0]


def _phone_list(rng: random.Random, area: str, main_phone: str) -> str:
    numbers = [main_phone] if rng.random() < 0.8 else []
    numbers += [_phone(rng, area) for _ in range(rng.choices((0, 1, 2, 3), weights=(30, 35, 25, 10))[0])]
    if numbers and rng.random() < 0.2:
        digits = "".join(c for c in numbers[0] if c.isdigit())
        numbers.append(f"{digits[:3]}.{digits[3:6]}.{digits[6:]}")  # same number, other format
    return rng.choice(("; ", ";", "\n")).join(numbers)


def _emails(rng: random.Random, slug: str, partial: bool) -> str:
    boxes = rng.sample(
        ("info", "frontdesk", "office", "appointments", "manager"), k=rng.choice((0, 1, 1, 2, 3))
    )
    if partial and rng.random() < 0.4:
        boxes = []
    return "; ".join(f"{box}@{slug}.com" for box in boxes)
