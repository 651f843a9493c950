"""Hand-written products a demo user is likely to type: always present, in stock, with short SKUs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Flagship:
    sku: str
    name: str
    name_ru: str
    category: str  # a CategorySpec code
    unit: str
    pack_size: int
    min_order_qty: int
    weight_kg: Decimal
    volume_m3: Decimal
    price: Decimal
    breaks: tuple[tuple[int, Decimal], ...]  # (from quantity, unit price) below the base price
    synonyms: tuple[str, ...]
    description: str


def _flagship(
    sku: str,
    name: str,
    name_ru: str,
    category: str,
    unit: str,
    pack: int,
    minimum: int,
    weight: str,
    volume: str,
    price: str,
    breaks: tuple[tuple[int, str], ...],
    synonyms: tuple[str, ...],
    description: str,
) -> Flagship:
    return Flagship(
        sku, name, name_ru, category, unit, pack, minimum, Decimal(weight), Decimal(volume), Decimal(price),
        tuple((qty, Decimal(amount)) for qty, amount in breaks), synonyms, description,
    )


FLAGSHIPS: tuple[Flagship, ...] = (
    _flagship(
        "A4-80", "A4 office paper 80 g/m², 500 sheets", "Бумага офисная А4 80 г/м², 500 листов",
        "PAP", "pack", 5, 5, "2.500", "0.003", "389.00", ((50, "369.00"), (200, "349.00")),
        ("A4 paper", "copy paper", "printer paper", "office paper", "бумага А4", "бумага для принтера",
         "ксероксная бумага", "офисная бумага", "снегурочка"),
        "Class C white office paper for laser and inkjet printers and copiers; 5 reams to a box.",
    ),
    _flagship(
        "A3-80", "A3 office paper 80 g/m², 500 sheets", "Бумага офисная А3 80 г/м², 500 листов",
        "PAP", "pack", 5, 5, "5.000", "0.006", "779.00", ((25, "739.00"),),
        ("A3 paper", "бумага А3"), "Class C white office paper, A3 format; 5 reams to a box.",
    ),
    _flagship(
        "STRETCH-500-20", "Stretch film 500 mm × 20 µm, 300 m, primary",
        "Стрейч-плёнка 500 мм × 20 мкм, 300 м, первичная",
        "STR", "roll", 6, 6, "2.500", "0.006", "690.00", ((60, "655.00"), (240, "620.00")),
        ("stretch film", "stretch wrap", "pallet wrap", "стрейч", "стрейч-плёнка", "стрейч плёнка",
         "паллетная плёнка"),
        "Hand stretch film for pallet wrapping, primary raw material, 2.5 kg roll; 6 rolls to a box.",
    ),
    _flagship(
        "BOX-400-300-300", "Cardboard box 400×300×300 mm, 3-ply T-23, brown",
        "Гофрокороб 400×300×300 мм, трёхслойный Т-23, бурый",
        "BOX", "pcs", 20, 20, "0.550", "0.036", "79.00", ((200, "72.00"), (1000, "66.00")),
        ("cardboard box", "carton", "shipping box", "коробка", "картонная коробка", "гофрокороб", "короб"),
        "Regular slotted box (FEFCO 0201) for moves and shipping; 20 to a bundle.",
    ),
    _flagship(
        "BOX-600-400-400", "Cardboard box 600×400×400 mm, 3-ply T-24, brown",
        "Гофрокороб 600×400×400 мм, трёхслойный Т-24, бурый",
        "BOX", "pcs", 10, 10, "1.200", "0.096", "149.00", ((100, "138.00"), (500, "128.00")),
        ("large box", "moving box", "большая коробка", "коробка для переезда"),
        "Large regular slotted box (FEFCO 0201); 10 to a bundle.",
    ),
    _flagship(
        "GLOVE-NIT-M", "Nitrile gloves, powder-free, size M, blue, 100 pcs",
        "Перчатки нитриловые неопудренные, размер M, синие, 100 шт",
        "PPE", "box", 1, 1, "0.550", "0.002", "520.00", ((10, "495.00"), (50, "469.00")),
        ("nitrile gloves", "disposable gloves", "перчатки нитриловые", "одноразовые перчатки", "нитрил"),
        "Examination-grade nitrile gloves, 100 pieces (50 pairs) to a box.",
    ),
    _flagship(
        "GLOVE-NIT-L", "Nitrile gloves, powder-free, size L, blue, 100 pcs",
        "Перчатки нитриловые неопудренные, размер L, синие, 100 шт",
        "PPE", "box", 1, 1, "0.580", "0.002", "520.00", ((10, "495.00"), (50, "469.00")),
        ("nitrile gloves", "перчатки нитриловые"), "Examination-grade nitrile gloves, 100 pieces to a box.",
    ),
    _flagship(
        "TOWEL-V-200", "Paper towels V-fold, 2-ply, 200 sheets, white",
        "Полотенца бумажные V-сложения, 2-слойные, 200 листов, белые",
        "HYG", "pack", 20, 20, "0.500", "0.002", "64.00", ((200, "59.00"),),
        ("paper towels", "hand towels", "V-fold towels", "бумажные полотенца", "полотенца листовые"),
        "Folded hand towels for dispensers; 20 packs to a case.",
    ),
    _flagship(
        "TP-8", "Toilet paper, 2-ply, white, 8 rolls", "Туалетная бумага, 2-слойная, белая, 8 рулонов",
        "HYG", "pack", 6, 6, "0.900", "0.010", "219.00", ((60, "205.00"),),
        ("toilet paper", "toilet roll", "туалетная бумага"), "Soft 2-ply toilet paper; 6 packs to a bundle.",
    ),
    _flagship(
        "BAG-120-10", "Trash bags 120 l, 40 µm, black, 10 per roll",
        "Мешки для мусора 120 л, 40 мкм, чёрные, 10 шт в рулоне",
        "TRB", "roll", 1, 1, "0.650", "0.002", "165.00", ((25, "155.00"), (100, "145.00")),
        ("trash bags", "bin bags", "garbage bags", "мешки для мусора", "мусорные пакеты", "мусорные мешки"),
        "Heavy-duty LDPE refuse sacks.",
    ),
    _flagship(
        "BAG-60-20", "Trash bags 60 l, 15 µm, black, 20 per roll",
        "Мешки для мусора 60 л, 15 мкм, чёрные, 20 шт в рулоне",
        "TRB", "roll", 1, 1, "0.300", "0.001", "69.00", ((50, "63.00"),),
        ("trash bags", "мешки для мусора 60"), "Everyday HDPE bin liners.",
    ),
    _flagship(
        "TAPE-48-66", "Packing tape 48 mm × 66 m, 45 µm, clear", "Скотч упаковочный 48 мм × 66 м, 45 мкм, прозрачный",
        "TAP", "roll", 6, 6, "0.280", "0.001", "89.00", ((72, "82.00"), (360, "76.00")),
        ("packing tape", "scotch", "скотч", "клейкая лента", "упаковочный скотч"),
        "Acrylic packing tape for carton sealing; 6 rolls to a shrink pack.",
    ),
    _flagship(
        "PEN-BLUE", "Ballpoint pen, blue, 0.7 mm", "Ручка шариковая синяя 0,7 мм",
        "PEN", "pcs", 50, 50, "0.008", "0.00002", "19.00", ((500, "16.50"),),
        ("pen", "blue pen", "ручка", "синяя ручка", "ручка шариковая"), "Everyday office ballpoint pen.",
    ),
    _flagship(
        "CUP-250", "Paper cup 250 ml, white, 50 pcs", "Стакан бумажный 250 мл, белый, 50 шт",
        "DSP", "pack", 20, 20, "0.400", "0.004", "189.00", ((200, "172.00"),),
        ("paper cups", "coffee cups", "бумажные стаканы",
        "стаканчики"), "Single-wall hot drink cups; 20 packs to a case.",
    ),
    _flagship(
        "SOAP-5L", "Liquid hand soap, 5 l canister", "Мыло жидкое, канистра 5 л",
        "CHM", "pcs", 1, 1, "5.200", "0.006", "540.00", ((12, "505.00"),),
        ("liquid soap", "hand soap", "жидкое мыло", "мыло"), "Neutral pH hand soap for dispensers.",
    ),
    _flagship(
        "SCREW-35-35", "Drywall screw 3.5×35 mm, black phosphated, 1000 pcs",
        "Саморез по ГКЛ 3,5×35 мм, фосфатированный, 1000 шт",
        "FST", "pack", 1, 1, "2.400", "0.002", "590.00", ((20, "555.00"),),
        ("drywall screws", "саморезы по гипсокартону", "саморезы"), "Fine-thread screws for drywall on metal studs.",
    ),
)
