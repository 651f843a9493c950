"""What the demo supplier sells: categories and product families in English and Russian.

A wholesaler of office supplies, packaging, cleaning and hygiene, personal protection, fasteners and
tools, electrical goods, food-service disposables and office pantry. Russian fragments are written for
the family's noun, so adjectives agree ("бумага белая", "скотч прозрачный", "перчатки синие").
"""

from __future__ import annotations

from core.demo.vocabulary import CategorySpec, axis, family

OFFICE_BRANDS = axis("ERK|Erich Krause", "BRL|Berlingo", "ATT|Attache", "STF|Staff", "DEL|Deli", "BRA|Brauberg")
PEN_BRANDS = axis("BIC", "PLT|Pilot", "ERK|Erich Krause", "STB|Stabilo", "SCH|Schneider", "BRL|Berlingo",
                  "ATT|Attache", "DEL|Deli")
PACK_BRANDS = axis("SBP|SibPak", "STL|Stretchline", "PLP|PolyPak", "UNP|Unipack", "PRP|ProPack")
HYGIENE_BRANDS = axis("TRK|Tork", "LTS|Lotus", "VRO|Veiro", "FCS|Focus", "LSC|Luscan", "PRT|Protissue",
                      "PAP|Papia", "KCP|Kimberly-Clark")
CHEM_BRANDS = axis("GRS|Grass", "PRS|Prosept", "CLG|Clean&Green", "SNT|Sanita", "CHR|Chirton", "SNF|Sanfor",
                   "KLT|Kiilto", "LSC|Luscan")
GLOVE_BRANDS = axis("BNV|Benovy", "WLP|Wally Plastic", "NTX|Nitrylex", "SFC|Safe&Care", "VLD|Vileda",
                    "MNL|Manual", "DRM|Dermagrip", "ARD|Archdale")
FASTENER_BRANDS = axis("TKP|Tech-Krep", "FSH|Fischer", "SRM|Sormat", "STX|Starfix", "MNG|Mungo")
TOOL_BRANDS = axis("STY|Stayer", "ZBR|Zubr", "KRT|Kraftool", "MTX|Matrix", "BSH|Bosch", "STN|Stanley",
                   "GRS|Gross", "SPT|Sparta")
TRASH_BRANDS = axis("PCL|Paclan", "AVK|Avikomp", "LSC|Luscan", "VTX|Vitalux", "PLP|PolyPak", "ECO|EcoLine")
BOX_MAKERS = axis("GPK|GofroPak", "ARB|Arkhbum||1.05", "PRB|Prombox", "UPM|Upakovka-M|Упаковка-М")
FOOD_BRANDS = axis("PKL|Paclan", "ECP|EcoPack", "HPK|HoReCa Pack", "DPK|DoPack", "GRP|Green Pack")

WHITE_COLOURS_F = axis("WHT|white|белая", "BLU|blue|синяя", "BLK|black|чёрная", "RED|red|красная",
                       "GRN|green|зелёная")

PAPER = CategorySpec(
    "PAP", "Office paper", "Бумага для оргтехники", 6,
    (
        family(
            "PAP", "Office paper {0} {1} g/m², {2}, {3}, {4}", "Бумага офисная {0} {1} г/м², {2}, {3}, {4}",
            axis("A4|A4|А4", "A3|A3|А3|1.9|2", "A5|A5|А5|0.55|0.5"),
            axis("65|||0.85|0.81", "80", "90|||1.15|1.12", "100|||1.3|1.25", "120|||1.6|1.5", "160|||2.2|2",
                 "200|||2.9|2.5"),
            axis("WHT|white|белая", "IVR|ivory|цвета слоновой кости|1.2", "PBL|pastel blue|пастельная голубая|1.3",
                 "PYL|pastel yellow|пастельная жёлтая|1.3", "NEO|neon assorted|неоновая ассорти|1.6"),
            axis("SVC|SvetoCopy", "SNG|Snegurochka|Снегурочка", "BLT|Ballet|Ballet|1.08", "NAV|Navigator||1.25",
                 "IQA|IQ Allround||1.12", "MST|Maestro||1.1", "DBA|Double A||1.3", "KYM|Kym Lux||0.98"),
            axis("500|500 sheets|500 листов", "250|250 sheets|250 листов|0.55|0.5",
                 "100|100 sheets|100 листов|0.25|0.2"),
            unit="pack", price="395", weight="2.5", volume="0.0031", packs=(5, 5, 4, 1),
            synonyms=("copy paper", "printer paper", "бумага для принтера", "ксероксная бумага", "офисная бумага"),
        ),
        family(
            "TRL", "Thermal paper roll {0} mm × {1} m, core {2} mm, {3}",
            "Термолента {0} мм × {1} м, втулка {2} мм, {3}",
            axis("57", "80|||1.4|1.4"),
            axis("12|||0.45|0.45", "18|||0.6|0.6", "25|||0.8|0.8", "40", "80|||1.8|1.9"),
            axis("12", "18|||1.02"),
            axis("RTL|Retail Line", "PRT|Printex", "TMP|ThermoPrint", "KSL|Kassa Lenta|Кассовая лента"),
            unit="roll", price="42", weight="0.12", volume="0.0004", packs=(10, 50, 24),
            synonyms=("receipt paper", "till roll", "кассовая лента", "чековая лента"),
        ),
    ),
    ("office",),
)

WRITING = CategorySpec(
    "PEN", "Writing instruments", "Письменные принадлежности", 4,
    (
        family(
            "PEN", "{0} pen, {1}, {2} mm, {3}", "Ручка {0}, {1}, {2} мм, {3}",
            axis("BP|ballpoint|шариковая", "GEL|gel|гелевая|1.6", "RB|rollerball|роллерная|2.4",
                 "OIL|oil-based|масляная|1.3", "AUT|retractable ballpoint|шариковая автоматическая|1.8"),
            WHITE_COLOURS_F,
            axis("05|0.5|0,5", "07|0.7|0,7", "10|1.0|1,0"),
            PEN_BRANDS,
            unit="pcs", price="24", weight="0.008", volume="0.00002", packs=(12, 50, 24, 1),
            synonyms=("pen", "ручка", "ручки"),
        ),
        family(
            "MRK", "{0} marker, {1}, {2}, {3}", "Маркер {0}, {1}, {2}, {3}",
            axis("PRM|permanent|перманентный", "WB|whiteboard|для доски", "FLP|flipchart|для флипчарта",
                 "PNT|paint|лаковый|2.2", "TXT|textile|для ткани|1.6"),
            axis("RND|bullet tip|круглый наконечник", "CHS|chisel tip|скошенный наконечник|1.1"),
            axis("BLK|black|чёрный", "BLU|blue|синий", "RED|red|красный", "GRN|green|зелёный",
                 "WHT|white|белый|1.2", "SET4|set of 4 colours|набор 4 цвета|3.6|4"),
            PEN_BRANDS,
            unit="pcs", price="68", weight="0.02", volume="0.00004", packs=(12, 10, 1),
            synonyms=("marker", "маркер", "фломастер"),
        ),
        family(
            "HLT", "Highlighter, {0}, {1}, {2}", "Текстовыделитель, {0}, {1}, {2}",
            axis("YEL|yellow|жёлтый", "GRN|green|зелёный", "PNK|pink|розовый", "ORN|orange|оранжевый",
                 "BLU|blue|голубой", "SET4|set of 4|набор 4 цвета|3.6|4", "SET6|set of 6|набор 6 цветов|5.2|6"),
            axis("CHS|chisel tip 1–5 mm|скошенный наконечник 1–5 мм", "PST|pastel|пастельный|1.2"),
            PEN_BRANDS,
            unit="pcs", price="56", weight="0.015", volume="0.00003", packs=(10, 12, 1),
            synonyms=("highlighter", "текстовыделитель", "маркер-выделитель"),
        ),
        family(
            "PCL", "Graphite pencil {0}, {1}, {2}, {3}", "Карандаш чернографитный {0}, {1}, {2}, {3}",
            axis("HB", "2B", "B", "H", "2H"),
            axis("ER|with eraser|с ластиком", "NE|without eraser|без ластика|0.9"),
            axis("HEX|hexagonal|шестигранный", "TRI|triangular|трёхгранный|1.2"),
            PEN_BRANDS,
            unit="pcs", price="14", weight="0.006", volume="0.00001", packs=(12, 72, 1),
            synonyms=("pencil", "карандаш", "простой карандаш"),
        ),
    ),
    ("office", "retail"),
)

FILING = CategorySpec(
    "FLD", "Folders and filing", "Папки и архивация", 4,
    (
        family(
            "LAF", "Lever arch file {0}, {1} mm spine, {2}, {3}, {4}",
            "Папка-регистратор {0}, корешок {1} мм, {2}, цвет {3}, {4}",
            axis("A4|A4|А4", "A4P|A4+|А4+|1.15|1.1"),
            axis("50|||0.9|0.85", "75", "80|||1.05|1.05"),
            axis("PVC|PVC cover|покрытие ПВХ", "CRD|marbled cardboard|мраморный картон|0.7"),
            axis("BLU|blue|синий", "BLK|black|чёрный", "RED|red|красный", "GRN|green|зелёный", "GRY|grey|серый",
                 "YEL|yellow|жёлтый", "BRD|burgundy|бордовый", "ORN|orange|оранжевый"),
            OFFICE_BRANDS,
            unit="pcs", price="189", weight="0.56", volume="0.0055", packs=(10, 20, 1),
            synonyms=("lever arch", "binder", "регистратор", "папка для документов"),
        ),
        family(
            "PCK", "Punched pockets {0}, {1} µm, {2}, {3}, {4}", "Файлы-вкладыши {0}, {1} мкм, {2}, {3}, {4}",
            axis("A4|A4|А4", "A5|A5|А5|0.6|0.5", "A3|A3|А3|2.1|2"),
            axis("30|||0.8|0.75", "40", "50|||1.2|1.25", "60|||1.4|1.5", "80|||1.8|2"),
            axis("GLS|glossy|глянцевые", "MAT|matt|матовые|1.05"),
            axis("100|100 pcs|100 шт", "50|50 pcs|50 шт|0.55|0.5"),
            OFFICE_BRANDS,
            unit="pack", price="165", weight="0.55", volume="0.0012", packs=(1, 10),
            synonyms=("sheet protectors", "plastic sleeves", "файлы", "мультифора"),
        ),
        family(
            "FDR", "{0} {1}, {2}, {3}", "{0} {1}, цвет {2}, {3}",
            axis("ENV|Envelope folder with button|Папка-конверт на кнопке",
                 "CLP|Clip folder|Папка с зажимом|1.9",
                 "S20|Display book, 20 pockets|Папка с 20 вкладышами|2.6",
                 "RNG|Ring binder, 2 rings|Папка на 2 кольцах|2.8",
                 "FST|Folder with fastener|Папка-скоросшиватель|0.6",
                 "COR|Corner folder|Папка-уголок|0.4"),
            axis("A4|A4|А4", "A5|A5|А5|0.8|0.6", "FC|foolscap|А4+|1.1|1.1"),
            axis("BLU|blue|синий", "BLK|black|чёрный", "RED|red|красный", "GRN|green|зелёный",
                 "CLR|clear|прозрачный", "YEL|yellow|жёлтый", "PRP|purple|фиолетовый", "ASS|assorted|ассорти"),
            OFFICE_BRANDS,
            unit="pcs", price="38", weight="0.08", volume="0.0004", packs=(10, 12, 25, 1),
            synonyms=("folder", "папка", "папка для бумаг"),
        ),
        family(
            "ARB", "Archive box, {0} mm spine, {1}, {2}", "Короб архивный, корешок {0} мм, {1}, {2}",
            axis("75", "100|||1.1|1.15", "120|||1.2|1.3", "150|||1.35|1.5"),
            axis("CRD|corrugated cardboard|гофрокартон", "PLS|plastic|пластик|2.1|1.2"),
            OFFICE_BRANDS,
            unit="pcs", price="115", weight="0.35", volume="0.0085", packs=(10, 25),
            synonyms=("archive box", "архивный короб"),
        ),
    ),
    ("office",),
)

NOTEBOOKS = CategorySpec(
    "NTB", "Notebooks and pads", "Тетради и блокноты", 3,
    (
        family(
            "NTB", "{0} {1}, {2} sheets, {3}, {4}, {5}", "{0} {1}, {2} листов, {3}, {4}, {5}",
            axis("SPR|Spiral notebook|Тетрадь на спирали", "EXB|Exercise book|Тетрадь|0.7",
                 "HCV|Hardcover notebook|Бизнес-тетрадь|1.6", "PAD|Notepad|Блокнот|0.8",
                 "PLN|Undated planner|Ежедневник недатированный|3.5|1.6"),
            axis("A4|A4|А4|1.5|1.8", "A5|A5|А5", "A6|A6|А6|0.6|0.5"),
            axis("48|||0.7|0.6", "60|||0.8|0.75", "80", "96|||1.15|1.2", "120|||1.35|1.5", "160|||1.7|2"),
            axis("SQ|squared|клетка", "LN|lined|линейка", "PL|plain|без линовки"),
            axis("BLU|blue cover|синяя обложка", "BLK|black cover|чёрная обложка", "RED|red cover|красная обложка",
                 "GRN|green cover|зелёная обложка", "GRY|grey cover|серая обложка",
                 "KRF|kraft cover|крафтовая обложка|0.9"),
            OFFICE_BRANDS,
            unit="pcs", price="96", weight="0.25", volume="0.0006", packs=(10, 20, 5, 1),
            synonyms=("notebook", "тетрадь", "блокнот"),
        ),
        family(
            "STK", "Sticky notes {0} mm, {1} sheets, {2}, {3}", "Стикеры {0} мм, {1} листов, {2}, {3}",
            axis("76X76|76×76", "51X51|51×51||0.6|0.5", "38X51|38×51||0.5|0.4", "76X127|76×127||1.5|1.6"),
            axis("100", "400|||3.5|4"),
            axis("YEL|yellow|жёлтые", "NEO|neon|неоновые|1.3", "PST|pastel|пастельные|1.2", "ASS|assorted|ассорти|1.2"),
            axis("PIT|Post-it||2.2", "ATT|Attache", "STN|Stick'n", "BRL|Berlingo"),
            unit="pack", price="58", weight="0.1", volume="0.0002", packs=(12, 6, 1),
            synonyms=("post-it", "sticky notes", "стикеры", "клейкие листочки"),
        ),
    ),
    ("office", "retail"),
)

DESK = CategorySpec(
    "OFC", "Office supplies", "Канцелярские принадлежности", 3,
    (
        family(
            "STP", "Stapler {0}, {1}, {2}", "Степлер {0}, цвет {1}, {2}",
            axis("10|No. 10, up to 12 sheets|№10, до 12 листов",
                 "24-25|No. 24/6, up to 25 sheets|№24/6, до 25 листов|1.6|1.5",
                 "24-30|No. 24/6, up to 30 sheets|№24/6, до 30 листов|2|1.8",
                 "24-50|No. 24/6, up to 50 sheets|№24/6, до 50 листов|3.5|2.5",
                 "23-100|No. 23/13, up to 100 sheets|№23/13, до 100 листов|9|5"),
            axis("BLK|black|чёрный", "BLU|blue|синий", "RED|red|красный", "GRY|grey|серый", "WHT|white|белый"),
            OFFICE_BRANDS,
            unit="pcs", price="145", weight="0.12", volume="0.0003", packs=(12, 24, 1),
            synonyms=("stapler", "степлер", "сшиватель"),
        ),
        family(
            "SPL", "Staples No. {0}, {1}, {2}, {3}", "Скобы №{0}, {1}, {2}, {3}",
            axis("10", "246|24/6||1.2|1.5", "266|26/6||1.25|1.5", "2310|23/10||2.5|3", "2313|23/13||2.8|3.5"),
            axis("1000|1000 pcs|1000 шт", "2000|2000 pcs|2000 шт|1.8|2", "5000|5000 pcs|5000 шт|4|5"),
            axis("ZN|zinc-plated|оцинкованные", "CU|copper-plated|омеднённые|1.3"),
            OFFICE_BRANDS,
            unit="box", price="32", weight="0.04", volume="0.00005", packs=(10, 20, 1),
            synonyms=("staples", "скобы для степлера"),
        ),
        family(
            "CLP", "Binder clips {0} mm, {1}, {2}, {3}", "Зажимы для бумаг {0} мм, {1}, {2}, {3}",
            axis("15|||0.6|0.5", "19|||0.75|0.7", "25", "32|||1.3|1.4", "41|||1.7|1.9", "51|||2.3|2.6"),
            axis("BLK|black|чёрные", "ASS|assorted|ассорти|1.15"),
            axis("12|12 pcs|12 шт", "24|24 pcs|24 шт|1.9|2"),
            OFFICE_BRANDS,
            unit="box", price="64", weight="0.08", volume="0.0001", packs=(10, 12, 1),
            synonyms=("binder clip", "зажимы", "зажим для бумаги"),
        ),
        family(
            "SCS", "Office scissors {0} mm, {1}, {2}", "Ножницы офисные {0} мм, {1}, {2}",
            axis("130|||0.7|0.6", "169|||0.9|0.85", "180", "210|||1.2|1.2", "250|||1.5|1.5"),
            axis("PLS|plastic handles|пластиковые ручки", "RUB|soft-grip handles|прорезиненные ручки|1.4"),
            OFFICE_BRANDS,
            unit="pcs", price="115", weight="0.08", volume="0.0002", packs=(12, 1),
            synonyms=("scissors", "ножницы"),
        ),
        family(
            "STT", "Stationery tape {0} mm × {1} m, {2}, {3}", "Клейкая лента канцелярская {0} мм × {1} м, {2}, {3}",
            axis("12|||0.7|0.7", "15|||0.8|0.8", "19"),
            axis("10|||0.5|0.5", "20|||0.8|0.8", "33"),
            axis("CLR|clear|прозрачная", "MAT|invisible matt|невидимая матовая|1.8"),
            OFFICE_BRANDS,
            unit="roll", price="38", weight="0.03", volume="0.00005", packs=(12, 24, 1),
            synonyms=("sellotape", "scotch tape", "скотч канцелярский"),
        ),
        family(
            "GLU", "Glue stick {0} g, {1}, {2}", "Клей-карандаш {0} г, {1}, {2}",
            axis("8|||0.5|0.4", "15|||0.8|0.75", "21", "25|||1.15|1.2", "36|||1.5|1.7", "40|||1.6|1.9"),
            axis("PVP|PVP|ПВП", "COL|colour indicator|с цветовым индикатором|1.2"),
            OFFICE_BRANDS,
            unit="pcs", price="58", weight="0.03", volume="0.00005", packs=(12, 20, 1),
            synonyms=("glue stick", "клей-карандаш", "клей"),
        ),
        family(
            "CAL", "Desktop calculator, {0} digits, {1}, {2}", "Калькулятор настольный {0}-разрядный, {1}, {2}",
            axis("8", "10|||1.15", "12|||1.3|1.2", "14|||1.6|1.3", "16|||1.9|1.4"),
            axis("BLK|black|чёрный", "WHT|white|белый", "SLV|silver|серебристый|1.1"),
            axis("CSO|Casio||1.4", "CTZ|Citizen||1.3", "DEL|Deli", "STF|Staff", "BRA|Brauberg"),
            unit="pcs", price="690", weight="0.2", volume="0.0008", packs=(1, 10),
            synonyms=("calculator", "калькулятор"),
        ),
    ),
    ("office", "retail"),
)

CARTRIDGES = CategorySpec(
    "CRT", "Printer consumables", "Расходные материалы для оргтехники", 2,
    (
        family(
            "CRT", "{0} toner cartridge {1}, {2}, {3} pages", "Картридж лазерный {0} {1}, {2}, ресурс {3} стр.",
            axis("OR|original|оригинальный|2.6", "CP|compatible|совместимый"),
            axis("HP59A|HP 59A (CF259A)", "HP83A|HP 83A (CF283A)||0.9", "HP26A|HP 26A (CF226A)||1.2",
                 "BRT2375|Brother TN-2375", "BRT3480|Brother TN-3480||1.3", "XRX3020|Xerox 106R02773||0.9",
                 "KYO1170|Kyocera TK-1170||1.1", "KYO3160|Kyocera TK-3160||1.5", "CAN052|Canon 052",
                 "CAN737|Canon 737||0.9", "SAM111|Samsung MLT-D111S||0.85", "RIC250|Ricoh SP 250||1.1"),
            axis("BLK|black|чёрный", "CYN|cyan|голубой|1.3", "MAG|magenta|пурпурный|1.3", "YEL|yellow|жёлтый|1.3"),
            axis("1500|1,500|1500|0.8|0.9", "3000", "6000|6,000|6000|1.5|1.2"),
            unit="pcs", price="2100", weight="0.9", volume="0.004", packs=(1,),
            synonyms=("toner", "cartridge", "картридж", "тонер-картридж"),
        ),
    ),
    ("office",),
)

BOX_SIZES = axis(
    "150-150-100|150×150×100||0.35|0.3", "200-150-100|200×150×100||0.42|0.36", "200-200-200|200×200×200||0.6|0.55",
    "250-150-100|250×150×100||0.5|0.44", "300-200-200|300×200×200||0.8|0.75", "300-300-300|300×300×300||1.05|1",
    "310-260-380|310×260×380||1.15|1.1", "380-285-285|380×285×285||1.1|1.05", "400-300-200|400×300×200||1.05|1",
    "400-300-300|400×300×300", "400-400-400|400×400×400||1.5|1.5", "450-300-300|450×300×300||1.25|1.25",
    "500-300-300|500×300×300||1.35|1.35", "500-400-400|500×400×400||1.8|1.8", "530-360-220|530×360×220||1.4|1.4",
    "600-400-200|600×400×200||1.6|1.6", "600-400-400|600×400×400||2.2|2.2", "600-400-500|600×400×500||2.5|2.5",
    "600-500-400|600×500×400||2.6|2.6", "800-600-400|800×600×400||3.4|3.5", "800-600-600|800×600×600||4|4.2",
    "1000-600-600|1000×600×600||4.8|5", "1200-800-600|1200×800×600||6.2|6.5", "380-305-85|380×305×85||0.75|0.7",
)

BOXES = CategorySpec(
    "BOX", "Cardboard boxes", "Гофрокороба", 4,
    (
        family(
            "BOX", "Cardboard box {0} mm, {1}, {2}, {3}, {4}", "Гофрокороб {0} мм, {1}, {2}, {3}, {4}",
            BOX_SIZES,
            axis("T23|3-ply T-23|трёхслойный Т-23", "T24|3-ply T-24|трёхслойный Т-24|1.1|1.05",
                 "P32|5-ply P-32|пятислойный П-32|1.8|1.7"),
            axis("BRN|brown|бурый", "WHT|white|белый|1.35"),
            axis("0201|slotted (FEFCO 0201)|четырёхклапанный (FEFCO 0201)",
                 "0427|die-cut mailer (FEFCO 0427)|самосборный (FEFCO 0427)|1.3"),
            BOX_MAKERS,
            unit="pcs", price="78", weight="0.55", volume="0.036", packs=(10, 20, 25, 50),
            synonyms=("carton", "shipping box", "коробка", "картонная коробка", "гофрокороб", "короб"),
        ),
        family(
            "CRG", "Corrugated cardboard roll {0} m × {1} m, {2}", "Гофрокартон в рулоне {0} м × {1} м, {2}",
            axis("105|1.05|1,05", "125|1.25|1,25|1.2|1.2", "150|1.5|1,5|1.45|1.45", "200|2.0|2,0|1.9|1.9"),
            axis("10|||0.25|0.25", "25|||0.55|0.55", "50", "75|||1.45|1.5"),
            axis("2P|2-ply|двухслойный", "3P|3-ply|трёхслойный|1.6|1.7"),
            unit="roll", price="2100", weight="11", volume="0.25", packs=(1,),
            synonyms=("corrugated roll", "гофрокартон", "рулонный гофрокартон"),
        ),
    ),
    ("logistics", "retail", "ecommerce"),
)

STRETCH = CategorySpec(
    "STR", "Stretch film", "Стрейч-плёнка", 3,
    (
        family(
            "STR", "Stretch film {0} mm × {1} µm, {2} m, {3}, {4}", "Стрейч-плёнка {0} мм × {1} мкм, {2} м, {3}, {4}",
            axis("125|||0.27|0.26", "250|||0.52|0.5", "450|||0.92|0.9", "500"),
            axis("12|||0.65|0.62", "17|||0.87|0.85", "20", "23|||1.14|1.15", "30|||1.48|1.5"),
            axis("150|||0.55|0.5", "200|||0.7|0.67", "250|||0.85|0.84", "300"),
            axis("PRI|primary|первичная", "SEC|secondary|вторичная|0.78", "BLK|black|чёрная|0.92",
                 "BLU|blue|синяя|1.05"),
            PACK_BRANDS,
            unit="roll", price="690", weight="2.5", volume="0.006", packs=(6, 4, 1),
            synonyms=("stretch wrap", "pallet wrap", "стрейч", "паллетная плёнка", "упаковочная плёнка"),
        ),
        family(
            "MST", "Machine stretch film 500 mm × {0} µm, {1} m, {2}",
            "Машинная стрейч-плёнка 500 мм × {0} мкм, {1} м, {2}",
            axis("17|||0.87|0.85", "20", "23|||1.14|1.15"),
            axis("1500|||0.75|0.75", "2000", "2500|||1.25|1.25"),
            PACK_BRANDS,
            unit="roll", price="3900", weight="17", volume="0.03", packs=(1, 2),
            synonyms=("machine stretch", "машинный стрейч"),
        ),
    ),
    ("logistics", "ecommerce"),
)

TAPES = CategorySpec(
    "TAP", "Adhesive tapes", "Клейкие ленты", 3,
    (
        family(
            "TAP", "Packing tape {0} mm × {1} m, {2} µm, {3}, {4}",
            "Скотч упаковочный {0} мм × {1} м, {2} мкм, {3}, {4}",
            axis("48", "50|||1.04|1.04", "72|||1.5|1.5", "75|||1.56|1.56"),
            axis("36|||0.6|0.6", "50|||0.8|0.8", "66", "100|||1.45|1.5", "150|||2.1|2.2"),
            axis("40|||0.92|0.9", "45", "50|||1.1|1.1"),
            axis("CLR|clear|прозрачный", "TAN|tan|коричневый", "WHT|white|белый|1.05", "RED|red|красный|1.1",
                 "FRG|printed “Fragile”|с надписью «Осторожно, хрупкое»|1.4"),
            PACK_BRANDS,
            unit="roll", price="89", weight="0.28", volume="0.0008", packs=(6, 36, 1),
            synonyms=("packing tape", "scotch", "скотч", "клейкая лента", "упаковочный скотч"),
        ),
        family(
            "MSK", "Masking tape {0} mm × {1} m, {2}", "Малярная лента {0} мм × {1} м, {2}",
            axis("19|||0.5|0.5", "25|||0.65|0.65", "38|||0.85|0.85", "48", "50|||1.04|1.04"),
            axis("25|||0.6|0.6", "40|||0.85|0.85", "50"),
            PACK_BRANDS,
            unit="roll", price="95", weight="0.2", volume="0.0007", packs=(6, 12, 1),
            synonyms=("masking tape", "малярный скотч", "бумажный скотч"),
        ),
        family(
            "DCT", "Duct tape {0} mm × {1} m, {2}, {3}", "Армированная лента {0} мм × {1} м, {2}, {3}",
            axis("48", "50|||1.04|1.04"),
            axis("10|||0.3|0.3", "25|||0.6|0.6", "50"),
            axis("SLV|silver|серебристая", "BLK|black|чёрная|1.05"),
            PACK_BRANDS,
            unit="roll", price="420", weight="0.5", volume="0.0012", packs=(6, 1),
            synonyms=("duct tape", "армированный скотч"),
        ),
    ),
    ("logistics", "construction", "ecommerce"),
)

BAGS = CategorySpec(
    "BAG", "Bags and pouches", "Пакеты", 3,
    (
        family(
            "ZIP", "Zip-lock bag {0} mm, {1} µm, {2}, {3} pcs, {4}",
            "Пакет с застёжкой zip-lock {0} мм, {1} мкм, {2}, {3} шт, {4}",
            axis("40X60|40×60||0.2|0.15", "60X80|60×80||0.3|0.25", "70X100|70×100||0.4|0.35", "80X120|80×120||0.5|0.45",
                 "100X150|100×150||0.7|0.7", "150X200|150×200", "200X250|200×250||1.5|1.6",
                 "250X350|250×350||2.3|2.6", "300X400|300×400||3|3.3"),
            axis("35|||0.8|0.75", "45", "60|||1.3|1.3", "80|||1.7|1.75"),
            axis("CLR|clear|прозрачный", "WRT|with write-on panel|с полосами для записи|1.15"),
            axis("100|||1|1", "500|||4.6|5", "1000|||9|10"),
            PACK_BRANDS,
            unit="pack", price="210", weight="0.4", volume="0.001", packs=(1, 10),
            synonyms=("zip bag", "grip seal bag", "зип-пакет", "пакет с замком"),
        ),
        family(
            "CUR", "Courier bag {0} mm, {1}, {2}, {3} µm, {4}", "Курьер-пакет {0} мм, {1}, {2}, {3} мкм, {4}",
            axis("110X210|110×210||0.4|0.4", "150X210|150×210||0.5|0.5", "190X240|190×240||0.7|0.7",
                 "240X320|240×320", "300X400|300×400||1.4|1.5", "360X500|360×500||2|2.2",
                 "400X600|400×600||2.6|2.9", "500X700|500×700||3.5|3.8"),
            axis("NP|without pocket|без кармана", "PK|with pocket|с карманом|1.15"),
            axis("WHT|white|белый", "GRY|grey|серый", "BLK|black|чёрный"),
            axis("50|||0.9|0.9", "60", "70|||1.12|1.15"),
            PACK_BRANDS,
            unit="pack", price="520", weight="0.9", volume="0.002", packs=(1, 10),
            synonyms=("courier bag", "mailing bag", "курьерский пакет", "сейф-пакет"),
        ),
        family(
            "TSH", "T-shirt bag {0}, {1} µm, {2}, {3} pcs, {4}", "Пакет-майка {0}, {1} мкм, {2}, {3} шт, {4}",
            axis("250|25+12×45 cm|25+12×45 см|0.6|0.6", "280|28+14×50 cm|28+14×50 см|0.75|0.75",
                 "300|30+16×55 cm|30+16×55 см", "380|38+18×65 cm|38+18×65 см|1.4|1.4",
                 "420|42+20×70 cm|42+20×70 см|1.7|1.7"),
            axis("12|||0.7|0.7", "15|||0.85|0.85", "18", "25|||1.3|1.35", "30|||1.55|1.6"),
            axis("WHT|white|белый", "BLK|black|чёрный", "GRN|green|зелёный"),
            axis("100|||1|1", "200|||1.9|2"),
            PACK_BRANDS,
            unit="pack", price="185", weight="0.6", volume="0.0015", packs=(10, 1),
            synonyms=("carrier bag", "vest bag", "пакет-майка", "пакет майка"),
        ),
        family(
            "KRF", "Kraft paper bag {0} mm, {1}, {2}, {3} pcs", "Крафт-пакет {0} мм, {1}, {2}, {3} шт",
            axis("180X80X230|180×80×230||0.7|0.7", "220X120X290|220×120×290||0.85|0.85",
                 "240X140X280|240×140×280", "260X150X350|260×150×350||1.2|1.2",
                 "320X200X370|320×200×370||1.45|1.45", "350X150X450|350×150×450||1.6|1.6"),
            axis("TWS|twisted handles|с кручёными ручками", "FLT|flat handles|с плоскими ручками|0.9",
                 "NOH|no handles|без ручек|0.55"),
            axis("BRN|brown|бурый", "WHT|white|белый|1.2"),
            axis("25|||1|1", "100|||3.8|4"),
            unit="pack", price="590", weight="1.8", volume="0.006", packs=(1, 4),
            synonyms=("paper bag", "крафт-пакет", "бумажный пакет"),
        ),
    ),
    ("retail", "ecommerce", "horeca"),
)

PROTECTIVE = CategorySpec(
    "PRT", "Protective packaging", "Защитная упаковка", 2,
    (
        family(
            "BUB", "Bubble wrap {0} m × {1} m, {2}, {3} µm", "Воздушно-пузырчатая плёнка {0} м × {1} м, {2}, {3} мкм",
            axis("05|0.5|0,5|0.5|0.5", "10|1.0|1,0|0.95|0.95", "12|1.2|1,2|1.15|1.15", "15|1.5|1,5|1.4|1.4"),
            axis("10|||0.22|0.2", "50|||0.6|0.55", "100"),
            axis("2L|2-layer|двухслойная", "3L|3-layer|трёхслойная|1.6|1.7"),
            axis("50|||0.9|0.9", "60", "75|||1.2|1.25", "100|||1.5|1.6"),
            unit="roll", price="1450", weight="6", volume="0.45", packs=(1,),
            synonyms=("bubble wrap", "пупырка", "пузырчатая плёнка", "ВПП"),
        ),
        family(
            "FOM", "Polyethylene foam {0} mm, {1} m × {2} m", "Вспененный полиэтилен {0} мм, {1} м × {2} м",
            axis("1|||0.45|0.4", "2|||0.65|0.6", "3|||0.85|0.8", "4", "5|||1.2|1.2", "8|||1.8|1.9",
                 "10|||2.2|2.3"),
            axis("10|1.0|1,0", "105|1.05|1,05|1.05|1.05", "12|1.2|1,2|1.2|1.2", "15|1.5|1,5|1.5|1.5"),
            axis("10|||0.2|0.2", "25|||0.45|0.45", "50|||0.8|0.8", "100"),
            unit="roll", price="1650", weight="4.5", volume="0.45", packs=(1,),
            synonyms=("foam wrap", "ППЭ", "вспененный полиэтилен", "пенофол"),
        ),
        family(
            "EDG", "Cardboard edge protector {0}×{0}×{1} mm, {2} mm long",
            "Уголок защитный картонный {0}×{0}×{1} мм, длина {2} мм",
            axis("35", "50|||1.3|1.3"),
            axis("3", "4|||1.25|1.3", "5|||1.5|1.6"),
            axis("600|||0.6|0.6", "800|||0.8|0.8", "1000", "1200|||1.2|1.2", "1500|||1.5|1.5", "2000|||2|2"),
            unit="pcs", price="19", weight="0.15", volume="0.0003", packs=(50, 100),
            synonyms=("edge protector", "corner board", "уголок защитный"),
        ),
        family(
            "PPS", "PP strapping band {0} × {1} mm, {2} m, {3}",
            "Лента полипропиленовая упаковочная {0} × {1} мм, {2} м, {3}",
            axis("9|||0.7|0.7", "12|||0.9|0.9", "15", "16|||1.07|1.07"),
            axis("06|0.6|0,6|0.8|0.8", "08|0.8|0,8", "10|1.0|1,0|1.2|1.25"),
            axis("1000|||0.45|0.45", "2000|||0.85|0.85", "3000"),
            axis("WHT|white|белая", "BLK|black|чёрная", "YEL|yellow|жёлтая|1.05"),
            unit="roll", price="1150", weight="10", volume="0.02", packs=(1, 2),
            synonyms=("strapping", "упаковочная лента", "стреппинг"),
        ),
    ),
    ("logistics", "ecommerce"),
)

TRASH = CategorySpec(
    "TRB", "Trash bags", "Мешки для мусора", 4,
    (
        family(
            "TRB", "Trash bags {0} l, {1} µm, {2}, {3} per roll, {4}, {5}",
            "Мешки для мусора {0} л, {1} мкм, {2}, {3} в рулоне, {4}, {5}",
            axis("20|||0.35|0.3", "30|||0.45|0.4", "35|||0.5|0.45", "60|||0.75|0.7", "90|||0.95|0.9", "120",
                 "160|||1.3|1.3", "180|||1.4|1.45", "200|||1.55|1.6", "240|||1.8|1.9"),
            axis("10|||0.4|0.35", "15|||0.55|0.5", "20|||0.65|0.6", "30|||0.85|0.8", "40", "50|||1.2|1.25",
                 "60|||1.45|1.5", "80|||1.9|2"),
            axis("BLK|black|чёрные", "BLU|blue|синие|1.05", "GRN|green|зелёные|1.05", "WHT|white|белые|1.1",
                 "CLR|transparent|прозрачные|1.1", "GRY|grey|серые"),
            axis("10|10 pcs|10 шт", "20|20 pcs|20 шт|1.9|2", "30|30 pcs|30 шт|2.8|3", "50|50 pcs|50 шт|4.5|5"),
            axis("HD|HDPE|ПНД|0.8", "LD|LDPE|ПВД", "TIE|LDPE with ties|ПВД с завязками|1.2"),
            TRASH_BRANDS,
            unit="roll", price="165", weight="0.65", volume="0.0015", packs=(1, 10, 25),
            synonyms=("bin bags", "garbage bags", "refuse sacks", "мусорные пакеты", "мешки мусорные",
            "мусорные мешки"),
        ),
        family(
            "RBL", "Rubble sack {0} cm, up to {1} kg, {2}, {3}",
            "Мешок для строительного мусора {0} см, до {1} кг, {2}, {3}",
            axis("55X95|55×95", "55X105|55×105||1.1|1.1", "60X100|60×100||1.15|1.15"),
            axis("30|||0.8|0.8", "50", "60|||1.15|1.2"),
            axis("GRN|green|зелёный", "WHT|white|белый", "GRY|grey|серый"),
            axis("PP|woven polypropylene|полипропиленовый тканый", "PE|polyethylene|полиэтиленовый|0.7|0.8"),
            unit="pcs", price="28", weight="0.08", volume="0.0002", packs=(100, 50, 10),
            synonyms=("rubble sack", "строительный мешок", "мешок для мусора"),
        ),
    ),
    ("cleaning", "horeca", "construction", "facility"),
)

TOWEL_FORMATS = axis(
    "V200|V-fold, 200 sheets|V-сложения, 200 листов", "V250|V-fold, 250 sheets|V-сложения, 250 листов|1.2|1.25",
    "Z190|Z-fold, 190 sheets|Z-сложения, 190 листов|1.05|1", "Z200|Z-fold, 200 sheets|Z-сложения, 200 листов|1.1|1.05",
    "C120|C-fold, 120 sheets|C-сложения, 120 листов|0.9|0.8", "R120|roll, 120 m|в рулоне, 120 м|2.6|3",
    "R150|roll, 150 m|в рулоне, 150 м|3|3.6", "R200|roll, 200 m|в рулоне, 200 м|3.8|4.6",
    "R280|roll, 280 m|в рулоне, 280 м|5|6.2", "R2|kitchen rolls, 2 rolls|кухонные, 2 рулона|1.3|0.9",
)

HYGIENE = CategorySpec(
    "HYG", "Paper hygiene", "Бумажная гигиена", 4,
    (
        family(
            "TWL", "Paper towels, {0}, {1}-ply, {2}, {3}", "Полотенца бумажные, {0}, {1}-слойные, {2}, {3}",
            TOWEL_FORMATS,
            axis("1|||0.8|0.8", "2", "3|||1.35|1.3"),
            axis("WHT|white|белые", "GRY|grey|серые|0.7", "NAT|natural|натуральные|0.85"),
            HYGIENE_BRANDS,
            unit="pack", price="62", weight="0.5", volume="0.002", packs=(20, 15, 6, 1),
            synonyms=("paper towels", "hand towels", "полотенца", "бумажные полотенца", "листовые полотенца"),
        ),
        family(
            "TLP", "Toilet paper, {0}, {1}-ply, {2}, {3}", "Туалетная бумага, {0}, {1}-слойная, {2}, {3}",
            axis("4R|4 rolls|4 рулона|0.55|0.5", "8R|8 rolls|8 рулонов", "12R|12 rolls|12 рулонов|1.45|1.5",
                 "24R|24 rolls|24 рулона|2.8|3", "32R|32 rolls|32 рулона|3.6|4",
                 "J200|jumbo roll, 200 m|большой рулон, 200 м|0.9|1",
                 "J525|jumbo roll, 525 m|большой рулон, 525 м|2|2.4",
                 "SHT|folded sheets, 250|листовая, 250 листов|0.5|0.4"),
            axis("1|||0.75|0.8", "2", "3|||1.35|1.3"),
            axis("WHT|white|белая", "GRY|grey|серая|0.7", "NAT|natural|натуральная|0.85"),
            HYGIENE_BRANDS,
            unit="pack", price="210", weight="0.9", volume="0.01", packs=(6, 4, 12, 1),
            synonyms=("toilet paper", "toilet roll", "туалетная бумага"),
        ),
        family(
            "NPK", "Paper napkins {0} cm, {1}-ply, {2}, {3} pcs", "Салфетки бумажные {0} см, {1}-слойные, {2}, {3} шт",
            axis("24|24×24||0.75|0.7", "33|33×33", "40|40×40||1.4|1.45"),
            axis("1|||0.7|0.7", "2", "3|||1.4|1.4"),
            axis("WHT|white|белые", "RED|red|красные|1.15", "BRD|burgundy|бордовые|1.15", "YEL|yellow|жёлтые|1.15",
                 "GRN|green|зелёные|1.15", "BLU|blue|синие|1.15", "ASS|assorted|ассорти|1.1"),
            axis("50|||0.5|0.5", "100", "250|||2.3|2.5", "400|||3.6|4"),
            unit="pack", price="78", weight="0.25", volume="0.0012", packs=(10, 24, 1),
            synonyms=("serviettes", "napkins", "салфетки", "столовые салфетки"),
        ),
        family(
            "DSP", "Dispenser for {0}, {1}, {2}", "Диспенсер для {0}, {1}, {2}",
            axis("TWL|folded paper towels|листовых полотенец", "TLP|toilet paper rolls|туалетной бумаги в рулонах|0.9",
                 "SOP|liquid soap|жидкого мыла|0.7", "NPK|napkins|салфеток|0.6",
                 "RTW|roll towels|рулонных полотенец|1.6"),
            axis("WPL|white plastic|белый пластик", "BPL|black plastic|чёрный пластик|1.1",
                 "SST|stainless steel|нержавеющая сталь|3.2|2.5"),
            axis("TRK|Tork||1.4", "LTS|Lotus||1.2", "LSC|Luscan", "KSS|Ksitex", "VRO|Veiro"),
            unit="pcs", price="1290", weight="0.9", volume="0.012", packs=(1,),
            synonyms=("dispenser", "диспенсер", "держатель"),
        ),
    ),
    ("cleaning", "horeca", "facility", "office"),
)

CHEMICALS = CategorySpec(
    "CHM", "Cleaning chemicals", "Бытовая химия", 4,
    (
        family(
            "CHM", "{0}, {1}, {2}, {3}, {4}", "{0}, {1}, {2}, {3}, {4}",
            axis("FLR|Floor cleaner|Средство для мытья полов", "DSH|Dishwashing liquid|Средство для мытья посуды",
                 "GLS|Glass cleaner|Средство для стёкол", "DIS|Disinfectant|Дезинфицирующее средство|1.6",
                 "SAN|Bathroom cleaner|Средство для сантехники", "GRS|Degreaser|Обезжириватель|1.3",
                 "SOP|Liquid hand soap|Мыло жидкое|0.9", "ANT|Hand sanitizer|Антисептик для рук|1.8",
                 "LAU|Laundry detergent|Средство для стирки|1.2",
                 "UNI|All-purpose cleaner|Универсальное моющее средство",
                 "CHL|Chlorine bleach|Отбеливатель хлорный|0.6", "FRE|Air freshener|Освежитель воздуха|1.1"),
            axis("CON|concentrate|концентрат|1.5", "RTU|ready to use|готовое к применению"),
            axis("05L|0.5 l|0,5 л|0.35|0.52", "075|0.75 l, trigger spray|0,75 л, триггер|0.55|0.8",
                 "1L|1 l|1 л|0.6|1.05", "5L|5 l canister|канистра 5 л|2.4|5.2",
                 "10L|10 l canister|канистра 10 л|4.3|10.4",
                 "20L|20 l canister|канистра 20 л|8|20.8"),
            axis("NOS|unscented|без запаха", "LEM|lemon|лимон", "LAV|lavender|лаванда", "SEA|sea breeze|морской бриз",
                 "APL|green apple|зелёное яблоко"),
            CHEM_BRANDS,
            unit="pcs", price="240", weight="1", volume="0.0012", packs=(1, 4, 6, 12),
            synonyms=("cleaner", "detergent", "моющее средство", "бытовая химия", "чистящее средство"),
        ),
        family(
            "BLK", "{0}, bulk, sold by the litre, {1}", "{0}, розлив, продаётся литрами, {1}",
            axis("SOP|Liquid hand soap|Мыло жидкое", "DSH|Dishwashing liquid|Средство для мытья посуды|1.1",
                 "FLR|Floor cleaner|Средство для мытья полов|1.2", "ANT|Hand sanitizer|Антисептик для рук|2.2"),
            CHEM_BRANDS,
            unit="l", price="85", weight="1.02", volume="0.001", packs=(5, 10, 20),
            synonyms=("bulk soap", "на розлив", "мыло литрами"),
        ),
    ),
    ("cleaning", "horeca", "facility"),
)

CLEANING_TOOLS = CategorySpec(
    "CLT", "Cleaning tools", "Уборочный инвентарь", 2,
    (
        family(
            "CLT", "{0}, {1}, {2}, {3}", "{0}, {1}, {2}, {3}",
            axis("SPG|Dish sponges|Губки для посуды",
                 "MFC|Microfibre cloths 30×30 cm|Салфетки из микрофибры 30×30 см|2.4",
                 "VSC|Viscose cloths|Салфетки вискозные|1.2", "SCR|Steel scourers|Мочалки металлические|0.8",
                 "FLC|Floor cloths|Тряпки для пола|1.6"),
            axis("ASS|assorted|ассорти", "BLU|blue|синие", "GRN|green|зелёные", "YEL|yellow|жёлтые", "RED|red|красные"),
            axis("3|3 pcs|3 шт|0.35|0.3", "5|5 pcs|5 шт|0.55|0.5", "10|10 pcs|10 шт", "50|50 pcs|50 шт|4.5|5"),
            axis("VLD|Vileda||1.4", "YRK|York", "PCL|Paclan", "LSC|Luscan", "GRF|Grifon", "ATT|Attache"),
            unit="pack", price="120", weight="0.15", volume="0.001", packs=(1, 10, 20),
            synonyms=("sponge", "cloth", "rag", "губка", "тряпка", "салфетка для уборки"),
        ),
        family(
            "MOP", "{0}, {1}, {2}", "{0}, цвет {1}, {2}",
            axis("FLT|Flat mop 40 cm|Швабра плоская 40 см",
                 "SQZ|Spin mop with bucket|Швабра с ведром и отжимом|3.2|3.5",
                 "REF|Flat mop refill 40 cm|Насадка для плоской швабры 40 см|0.35|0.2",
                 "B10|Bucket 10 l|Ведро 10 л|0.45|0.6", "B12W|Bucket 12 l with wringer|Ведро 12 л с отжимом|0.8|1",
                 "TRL|Cleaning trolley with two buckets|Тележка уборочная с двумя вёдрами|9|8",
                 "BRM|Broom|Щётка для пола|0.5|0.5", "DPN|Dustpan with brush|Совок со щёткой|0.35|0.4",
                 "SQG|Window squeegee 35 cm|Стяжка для окон 35 см|0.6|0.4"),
            axis("BLU|blue|синий", "GRY|grey|серый", "RED|red|красный", "GRN|green|зелёный"),
            axis("VLD|Vileda||1.4", "YRK|York", "PCL|Paclan", "GRF|Grifon", "IDL|Idea"),
            unit="pcs", price="890", weight="0.8", volume="0.02", packs=(1, 4),
            synonyms=("mop", "bucket", "швабра", "ведро", "уборочный инвентарь"),
        ),
    ),
    ("cleaning", "facility", "horeca"),
)

PPE = CategorySpec(
    "PPE", "Gloves and PPE", "Перчатки и СИЗ", 4,
    (
        family(
            "GLV", "{0} gloves, {1}, size {2}, {3}, {4} pcs, {5}", "Перчатки {0}, {1}, размер {2}, {3}, {4} шт, {5}",
            axis("NIT|Nitrile|нитриловые", "LTX|Latex|латексные|1.1", "VNL|Vinyl|виниловые|0.75",
                 "PE|Polyethylene|полиэтиленовые|0.15|0.5"),
            axis("PF|powder-free|неопудренные", "PW|powdered|опудренные|0.92"),
            axis("XS", "S", "M", "L", "XL"),
            axis("BLU|blue|синие", "BLK|black|чёрные|1.1", "WHT|white|белые", "VIO|violet|фиолетовые",
                 "PNK|pink|розовые|1.05", "CLR|clear|прозрачные"),
            axis("100|||1|1", "50|||0.55|0.5", "200|||1.9|2"),
            GLOVE_BRANDS,
            unit="box", price="520", weight="0.55", volume="0.0018", packs=(1, 10),
            synonyms=("disposable gloves", "exam gloves", "перчатки одноразовые", "резиновые перчатки"),
        ),
        family(
            "WGL", "Work gloves, {0}, size {1}, {2}, {3}", "Перчатки рабочие, {0}, размер {1}, {2}, {3}",
            axis("PVC|knitted cotton with PVC dots|трикотажные с ПВХ точкой",
                 "NTC|nitrile coated|с нитриловым обливом|2.2", "LTC|latex coated|с латексным покрытием|1.8",
                 "PUC|polyurethane coated|с полиуретановым покрытием|2.4", "SPL|split leather|спилковые|4.5|2"),
            axis("8", "9", "10", "11"),
            axis("1P|1 pair|1 пара", "12P|12 pairs|12 пар|11|12"),
            axis("MNP|Manipula||1.3", "GRD|Gward||1.2", "STY|Stayer", "ZBR|Zubr"),
            unit="pack", price="38", weight="0.06", volume="0.0003", packs=(10, 1),
            synonyms=("work gloves", "рабочие перчатки", "х/б перчатки"),
        ),
        family(
            "RSP", "{0}, {1}, {2}", "{0}, {1}, {2}",
            axis("MSK|Medical face mask, 3-ply|Маска медицинская трёхслойная",
                 "FP2|Respirator FFP2|Респиратор FFP2|8|3",
                 "FP3|Respirator FFP3 with valve|Респиратор FFP3 с клапаном|16|4",
                 "GLS|Safety glasses, clear|Очки защитные прозрачные|30|5",
                 "EAR|Foam earplugs|Беруши|1.2|0.3"),
            axis("1|1 pc|1 шт", "10|10 pcs|10 шт|9|10", "50|50 pcs|50 шт|42|50"),
            axis("3M|||1.5", "ISP|Isoprotect", "SZL|Sizal", "ADS|Adis"),
            unit="pack", price="9", weight="0.005", volume="0.00005", packs=(1, 10),
            synonyms=("mask", "respirator", "маска", "респиратор", "СИЗ"),
        ),
        family(
            "VST", "Hi-vis vest, {0}, size {1}", "Жилет сигнальный, {0}, размер {1}",
            axis("YEL|yellow|жёлтый", "ORN|orange|оранжевый"),
            axis("44-46", "48-50", "52-54", "56-58", "60-62"),
            unit="pcs", price="180", weight="0.12", volume="0.0008", packs=(10, 1),
            synonyms=("hi-vis vest", "жилет сигнальный", "светоотражающий жилет"),
        ),
    ),
    ("cleaning", "horeca", "construction", "facility"),
)

SCREW_FINISH = axis("BLK|black phosphated|фосфатированный", "YZN|yellow zinc|жёлтый цинк|1.15",
                    "WZN|white zinc|белый цинк|1.1")
FASTENER_PACK = axis("200|200 pcs|200 шт", "1000|1000 pcs|1000 шт|4.4|5", "KG|by weight|на вес|1.9||kg")

FASTENERS = CategorySpec(
    "FST", "Fasteners", "Крепёж", 6,
    (
        family(
            "SCR", "{0} {1}×{2} mm, {3}, {4}, {5}", "{0} {1}×{2} мм, {3}, {4}, {5}",
            axis("WD|Wood screw|Саморез по дереву", "MD|Metal screw, drill point|Саморез по металлу со сверлом|1.4",
                 "GK|Drywall screw|Саморез по ГКЛ|0.9", "RF|Roofing screw|Саморез кровельный|2.6",
                 "PW|Press washer screw|Саморез с прессшайбой|1.3"),
            axis("35|3.5|3,5|0.7|0.65", "39|3.9|3,9|0.85|0.8", "42|4.2|4,2", "48|4.8|4,8|1.3|1.35",
                 "55|5.5|5,5|1.7|1.8"),
            axis("16|||0.55|0.5", "19|||0.6|0.57", "25|||0.7|0.68", "32|||0.82|0.8", "35|||0.9|0.88",
                 "41|||1", "51|||1.2|1.2", "65|||1.5|1.55", "75|||1.75|1.8", "100|||2.3|2.4"),
            SCREW_FINISH,
            FASTENER_PACK,
            FASTENER_BRANDS,
            unit="pack", price="145", weight="0.55", volume="0.0006", packs=(1, 5, 10),
            synonyms=("screws", "self-tapping screws", "саморезы", "шурупы"),
        ),
        family(
            "BLT", "Hex bolt DIN 933 M{0}×{1}, {2}, {3}, {4}", "Болт DIN 933 М{0}×{1}, {2}, {3}, {4}",
            axis("6|||0.4|0.35", "8|||0.6|0.6", "10", "12|||1.45|1.5", "14|||2|2.1", "16|||2.6|2.8",
                 "20|||4|4.4"),
            axis("20|||0.6|0.6", "25|||0.7|0.7", "30|||0.8|0.8", "40", "50|||1.2|1.2", "60|||1.4|1.4",
                 "80|||1.75|1.8", "100|||2.1|2.2"),
            axis("Z58|zinc, class 5.8|цинк, кл. пр. 5.8", "Z88|zinc, class 8.8|цинк, кл. пр. 8.8|1.4",
                 "A2|stainless A2|нержавеющий А2|3.2"),
            axis("25|25 pcs|25 шт|0.5|0.5", "50|50 pcs|50 шт", "KG|by weight|на вес|1.1|0.95|kg"),
            FASTENER_BRANDS,
            unit="pack", price="390", weight="1", volume="0.0008", packs=(1, 5),
            synonyms=("bolt", "болт", "болты"),
        ),
        family(
            "NUT", "{0} M{1}, {2}, {3}, {4}", "{0} М{1}, {2}, {3}, {4}",
            axis("N934|Hex nut DIN 934|Гайка DIN 934", "N6923|Flange nut DIN 6923|Гайка с фланцем DIN 6923|1.4",
                 "N985|Lock nut DIN 985|Гайка самоконтрящаяся DIN 985|1.6",
                 "W125|Flat washer DIN 125|Шайба плоская DIN 125|0.5",
                 "W127|Spring washer DIN 127|Шайба гроверная DIN 127|0.6",
                 "W9021|Large washer DIN 9021|Шайба увеличенная DIN 9021|0.8"),
            axis("4|||0.3|0.25", "5|||0.4|0.35", "6|||0.55|0.5", "8|||0.8|0.8", "10", "12|||1.4|1.5",
                 "16|||2.4|2.6", "20|||3.8|4.2"),
            axis("ZN|zinc|цинк", "A2|stainless A2|нержавеющая А2|3.4", "PLN|plain steel|без покрытия|0.8"),
            axis("100|100 pcs|100 шт", "500|500 pcs|500 шт|4.6|5", "KG|by weight|на вес|0.9|0.8|kg"),
            FASTENER_BRANDS,
            unit="pack", price="160", weight="0.6", volume="0.0004", packs=(1, 5),
            synonyms=("nuts", "washers", "гайки", "шайбы"),
        ),
        family(
            "ANC", "{0} {1}×{2} mm, {3}, {4}", "{0} {1}×{2} мм, {3}, {4}",
            axis("NYL|Nylon wall plug|Дюбель распорный нейлоновый", "FRM|Frame anchor|Анкер рамный|4",
                 "WDG|Wedge anchor|Анкер клиновой|6", "DRP|Drop-in anchor|Анкер забивной|3.5",
                 "DNL|Nail plug|Дюбель-гвоздь|1.3"),
            axis("6|||0.6|0.6", "8", "10|||1.5|1.6", "12|||2.2|2.4"),
            axis("30|||0.6|0.6", "40|||0.75|0.75", "50|||0.9|0.9", "60", "80|||1.3|1.3", "100|||1.6|1.6",
                 "120|||1.9|1.9"),
            axis("50|50 pcs|50 шт", "100|100 pcs|100 шт|1.9|2"),
            FASTENER_BRANDS,
            unit="pack", price="190", weight="0.25", volume="0.0004", packs=(1, 10),
            synonyms=("anchor", "wall plug", "анкер", "дюбель"),
        ),
        family(
            "NLS", "{0} {1}×{2} mm, {3}", "{0} {1}×{2} мм, {3}",
            axis("CNS|Construction nails|Гвозди строительные", "FIN|Finishing nails|Гвозди финишные|1.3",
                 "ROF|Roofing nails|Гвозди кровельные|1.4", "SCW|Ring-shank nails|Гвозди ершёные|1.5"),
            axis("18|1.8|1,8|0.7|0.5", "25|2.5|2,5|0.85|0.8", "30|3.0|3,0", "35|3.5|3,5|1.1|1.3",
                 "40|4.0|4,0|1.2|1.6", "50|5.0|5,0|1.4|2.4"),
            axis("40|||0.7|0.45", "50|||0.8|0.6", "70|||0.9|0.85", "90", "100|||1.05|1.1", "120|||1.15|1.3",
                 "150|||1.3|1.6"),
            axis("1KG|1 kg pack|упаковка 1 кг", "KG|by weight|на вес|0.85||kg", "5KG|5 kg box|коробка 5 кг|4.6|5"),
            unit="pack", price="210", weight="1", volume="0.0005", packs=(1, 5),
            synonyms=("nails", "гвозди"),
        ),
    ),
    ("construction", "facility"),
)

TOOL_ITEMS = axis(
    "HM300|Claw hammer 300 g|Молоток-гвоздодёр 300 г|0.8|0.6", "HM500|Claw hammer 500 g|Молоток-гвоздодёр 500 г",
    "HM800|Claw hammer 800 g|Молоток-гвоздодёр 800 г|1.3|1.5",
    "SD6|Screwdriver set, 6 pcs|Набор отвёрток, 6 шт|1.4|0.8",
    "PL180|Combination pliers 180 mm|Плоскогубцы комбинированные 180 мм|0.9|0.6",
    "CT160|Side cutters 160 mm|Бокорезы 160 мм|0.85|0.5",
    "WR200|Adjustable wrench 200 mm|Ключ разводной 200 мм|1.1|0.7",
    "WR250|Adjustable wrench 250 mm|Ключ разводной 250 мм|1.4|0.9", "TM5|Tape measure 5 m|Рулетка 5 м|0.6|0.5",
    "TM8|Tape measure 8 m|Рулетка 8 м|0.9|0.7", "KN18|Utility knife 18 mm|Нож строительный 18 мм|0.4|0.3",
    "HEX9|Hex key set, 9 pcs|Набор шестигранных ключей, 9 шт|0.8|0.5",
    "LV60|Spirit level 60 cm|Уровень строительный 60 см|1.3|1",
    "LV100|Spirit level 100 cm|Уровень строительный 100 см|1.9|1.6",
    "SAW450|Hand saw 450 mm|Ножовка по дереву 450 мм|1.2|1", "BIT32|Bit set, 32 pcs|Набор бит, 32 шт|1.1|0.6",
    "SOC94|Socket set, 94 pcs|Набор головок, 94 шт|9|9", "STG|Staple gun|Степлер строительный|1.5|1.1",
)

TOOLS = CategorySpec(
    "TLS", "Hand tools", "Ручной инструмент", 2,
    (
        family(
            "TLS", "{0}, {1}", "{0}, {1}",
            TOOL_ITEMS,
            TOOL_BRANDS,
            unit="pcs", price="590", weight="0.6", volume="0.0015", packs=(1, 5, 10),
            synonyms=("tool", "инструмент"),
        ),
        family(
            "BLD", "Snap-off blades {0} mm, {1} pcs, {2}", "Лезвия сегментированные {0} мм, {1} шт, {2}",
            axis("9|||0.6|0.5", "18", "25|||1.5|1.6"),
            axis("5|||0.5|0.5", "10", "50|||4.5|5", "100|||8.5|10"),
            TOOL_BRANDS,
            unit="pack", price="120", weight="0.05", volume="0.00005", packs=(10, 1),
            synonyms=("cutter blades", "лезвия для ножа"),
        ),
    ),
    ("construction", "facility"),
)

ACCESSORIES = CategorySpec(
    "ACC", "Power tool accessories", "Оснастка для электроинструмента", 2,
    (
        family(
            "DRB", "Drill bit {0}, {1}×{2} mm, {3}", "Сверло {0}, {1}×{2} мм, {3}",
            axis("HSS|for metal, HSS|по металлу HSS", "SDS|for concrete, SDS-plus|по бетону SDS-plus|1.6",
                 "WD|for wood, spiral|по дереву спиральное|0.9", "TIL|for tile and glass|по кафелю и стеклу|1.8"),
            axis("3|||0.5|0.3", "4|||0.6|0.45", "5|||0.7|0.6", "6|||0.8|0.8", "8", "10|||1.4|1.5", "12|||1.9|2.1",
                 "14|||2.4|2.8"),
            axis("110", "160|||1.3|1.4", "210|||1.6|1.8"),
            TOOL_BRANDS,
            unit="pcs", price="160", weight="0.05", volume="0.00003", packs=(1, 5, 10),
            synonyms=("drill bit", "сверло", "свёрла"),
        ),
        family(
            "DSC", "Cutting disc {0}×{1}×22.2 mm, {2}, {3}", "Круг отрезной {0}×{1}×22,2 мм, {2}, {3}",
            axis("115|||0.75|0.7", "125", "150|||1.3|1.4", "180|||1.7|1.9", "230|||2.2|2.6"),
            axis("10|1.0|1,0|0.9|0.75", "12|1.2|1,2|0.95|0.85", "16|1.6|1,6", "20|2.0|2,0|1.1|1.2",
                 "25|2.5|2,5|1.2|1.5"),
            axis("MTL|for metal|по металлу", "STN|for stone|по камню|1.1",
                 "INX|for stainless steel|по нержавеющей стали|1.2"),
            TOOL_BRANDS,
            unit="pcs", price="62", weight="0.06", volume="0.00005", packs=(10, 25, 50),
            synonyms=("cutting disc", "отрезной круг", "диск для болгарки"),
        ),
    ),
    ("construction",),
)

ELECTRICAL = CategorySpec(
    "ELC", "Electrical supplies", "Электротовары", 3,
    (
        family(
            "LED", "LED bulb {0}, {1} W, {2} K, {3}, {4}", "Лампа светодиодная {0}, {1} Вт, {2} К, {3}, {4}",
            axis("E27A60|E27 A60", "E14C37|E14 candle|E14 свеча|1.05", "E14G45|E14 globe|E14 шар|1.05",
                 "GU10|GU10 spot|GU10 софит|1.1", "E27CRN|E27 corn, high power|E27 кукуруза, повышенной мощности|3|2",
                 "T8-600|T8 tube 600 mm|T8 трубка 600 мм|1.8|2", "T8-1200|T8 tube 1200 mm|T8 трубка 1200 мм|2.6|3.2"),
            axis("5|||0.8", "7|||0.85", "9|||0.9", "11", "13|||1.1", "15|||1.2|1.1", "20|||1.5|1.2",
                 "25|||1.8|1.3"),
            axis("2700", "3000", "4000", "6500"),
            axis("FR|frosted|матовая колба", "CL|clear|прозрачная колба|1.05"),
            axis("GSS|Gauss||1.3", "OSR|Osram||1.4", "PHL|Philips||1.45", "CML|Camelion", "ERA|ERA",
                 "NVG|Navigator", "FRN|Feron"),
            unit="pcs", price="125", weight="0.06", volume="0.0003", packs=(10, 50, 1),
            synonyms=("light bulb", "LED lamp", "лампочка", "светодиодная лампа"),
        ),
        family(
            "BAT", "Battery {0}, {1}, {2} pcs, {3}", "Батарейка {0}, {1}, {2} шт, {3}",
            axis("AA", "AAA||||0.5", "C|||1.8|2.5", "D|||2.2|5", "9V|||2.5|2", "CR2032|||0.9|0.15"),
            axis("ALK|alkaline|щелочная", "LIT|lithium|литиевая|3", "ZNC|zinc-carbon|солевая|0.45"),
            axis("2|||0.5|0.5", "4", "10|||2.3|2.5", "24|||5.2|6"),
            axis("DRC|Duracell||1.5", "ENR|Energizer||1.45", "GP|GP", "VRT|Varta||1.3", "CML|Camelion||0.8",
                 "PNS|Panasonic||1.1", "KDK|Kodak||0.9"),
            unit="pack", price="165", weight="0.1", volume="0.0001", packs=(10, 12, 1),
            synonyms=("batteries", "батарейки", "элементы питания"),
        ),
        family(
            "CBL", "Cable {0} {1}×{2} mm², per metre", "Кабель {0} {1}×{2} мм², метр",
            axis("VVG|VVGng-LS|ВВГнг-LS", "NYM|NYM|NYM|1.1", "PVS|PVS flexible|ПВС гибкий|0.95",
                 "SHV|ShVVP flat|ШВВП плоский|0.7"),
            axis("2|||0.7|0.7", "3", "4|||1.3|1.3", "5|||1.6|1.6"),
            axis("075|0.75|0,75|0.5|0.5", "10|1.0|1,0|0.6|0.6", "15|1.5|1,5|0.75|0.75", "25|2.5|2,5",
                 "4|||1.5|1.5", "6|||2.2|2.2"),
            unit="m", price="78", weight="0.15", volume="0.0002", packs=(1, 50, 100),
            synonyms=("cable", "wire", "кабель", "провод"),
        ),
        family(
            "EXT", "Extension cord, {0}, {1} m, {2}, {3}", "Удлинитель, {0}, {1} м, {2}, {3}",
            axis("3|3 sockets|3 розетки", "4|4 sockets|4 розетки|1.15|1.1", "5|5 sockets|5 розеток|1.3|1.2",
                 "6|6 sockets|6 розеток|1.45|1.3"),
            axis("15|1.5|1,5|0.85|0.8", "3", "5|||1.3|1.4", "10|||1.8|2"),
            axis("GR|earthed|с заземлением|1.2", "NG|not earthed|без заземления"),
            axis("PWC|Powercube||1.3", "ERA|ERA", "CML|Camelion", "IEK|IEK", "LZN|Lezard"),
            unit="pcs", price="480", weight="0.5", volume="0.0015", packs=(1, 10),
            synonyms=("extension lead", "power strip", "удлинитель", "пилот"),
        ),
    ),
    ("facility", "construction", "office"),
)

TABLEWARE = CategorySpec(
    "DSP", "Disposable tableware", "Одноразовая посуда", 4,
    (
        family(
            "CUP", "{0} cup {1} ml, {2}, {3} pcs, {4}", "Стакан {0} {1} мл, {2}, {3} шт, {4}",
            axis("PS1|Single-wall paper|бумажный однослойный", "PS2|Double-wall paper|бумажный двухслойный|1.9",
                 "PP|PP|полипропиленовый|0.7", "PET|Clear PET|ПЭТ прозрачный|1.5",
                 "PST|Polystyrene|полистирольный|0.5"),
            axis("100|||0.6|0.55", "180|||0.8|0.75", "200|||0.85|0.8", "250", "300|||1.15|1.15",
                 "350|||1.25|1.3", "400|||1.4|1.45", "500|||1.7|1.8"),
            axis("WHT|white|белый", "KRF|kraft|крафт|1.05", "BLK|black|чёрный|1.1",
                 "CTG|printed “Coffee to go”|с рисунком «Coffee to go»|1.15"),
            axis("50|||1|1", "100|||1.95|2", "1000|||18|20"),
            FOOD_BRANDS,
            unit="pack", price="190", weight="0.4", volume="0.004", packs=(20, 10, 1),
            synonyms=("disposable cups", "coffee cups", "одноразовые стаканы", "стаканчики"),
        ),
        family(
            "LID", "Lid for cups, Ø {0} mm, {1}, {2}, {3} pcs, {4}",
            "Крышка для стакана, Ø {0} мм, {1}, {2}, {3} шт, {4}",
            axis("70|||0.9|0.9", "80", "90|||1.1|1.1"),
            axis("SIP|with sip hole|с носиком", "FLT|flat|плоская|0.9", "DOM|dome|купольная|1.2"),
            axis("WHT|white|белая", "BLK|black|чёрная|1.05", "CLR|clear|прозрачная"),
            axis("50|||0.55|0.5", "100"),
            FOOD_BRANDS,
            unit="pack", price="170", weight="0.2", volume="0.003", packs=(10, 1),
            synonyms=("cup lids", "крышки для стаканов"),
        ),
        family(
            "PLT", "{0} plate {1} mm, {2}, {3} pcs, {4}", "Тарелка {0} {1} мм, {2}, {3} шт, {4}",
            axis("PAP|Paper|бумажная", "PP|PP|полипропиленовая|1.2", "PS|Polystyrene|полистирольная|0.8",
                 "SGR|Sugarcane|из сахарного тростника|1.9"),
            axis("165|||0.7|0.65", "180|||0.8|0.75", "205", "230|||1.2|1.25", "260|||1.45|1.5"),
            axis("WHT|white|белая", "KRF|kraft|крафт|1.1"),
            axis("50|||1|1", "100|||1.9|2"),
            FOOD_BRANDS,
            unit="pack", price="160", weight="0.6", volume="0.003", packs=(20, 10, 1),
            synonyms=("disposable plates", "одноразовые тарелки"),
        ),
        family(
            "CTL", "{0}, {1}, {2}, {3} pcs, {4}", "{0}, {1}, цвет {2}, {3} шт, {4}",
            axis("FRK|Fork|Вилка", "SPN|Spoon|Ложка столовая", "KNF|Knife|Нож", "TSP|Teaspoon|Ложка чайная|0.8",
                 "STR|Stirrer|Мешалка|0.35|0.3", "SET|Cutlery set with napkin|Набор приборов с салфеткой|3.5|3"),
            axis("PS|polystyrene|полистирол", "PP|polypropylene|полипропилен|1.2", "WD|wooden|дерево|1.6"),
            axis("WHT|white|белый", "BLK|black|чёрный|1.05", "CLR|clear|прозрачный", "NAT|natural|натуральный"),
            axis("100|||1|1", "500|||4.7|5", "1000|||9|10"),
            FOOD_BRANDS,
            unit="pack", price="135", weight="0.25", volume="0.0015", packs=(10, 1),
            synonyms=("disposable cutlery", "одноразовые приборы", "вилки", "ложки"),
        ),
    ),
    ("horeca", "catering"),
)

CONTAINERS = CategorySpec(
    "CNT", "Food containers", "Контейнеры для еды", 3,
    (
        family(
            "CNT", "{0} food container {1} ml, {2}, {3}, {4} pcs, {5}", "Контейнер {0} {1} мл, {2}, {3}, {4} шт, {5}",
            axis("PP|PP|полипропиленовый", "PET|PET|ПЭТ|1.1", "KRF|Kraft paper|крафт бумажный|1.3",
                 "FOIL|Aluminium foil|из алюминиевой фольги|1.2", "SGR|Sugarcane|из сахарного тростника|1.5"),
            axis("125|||0.5|0.45", "250|||0.65|0.6", "350|||0.8|0.75", "500", "750|||1.2|1.25",
                 "1000|||1.4|1.5", "1500|||1.75|1.9", "2000|||2.1|2.3"),
            axis("RND|round|круглый", "REC|rectangular|прямоугольный", "SQR|square|квадратный"),
            axis("LID|with lid|с крышкой|1.5|1.4", "NOL|without lid|без крышки"),
            axis("50|||1|1", "100|||1.9|2", "300|||5.5|6"),
            FOOD_BRANDS,
            unit="pack", price="420", weight="0.9", volume="0.012", packs=(1, 6),
            synonyms=("takeaway container", "food box", "контейнер", "ланч-бокс", "одноразовый контейнер"),
        ),
        family(
            "PZB", "Pizza box {0}×{0}×40 mm, {1}, {2} pcs", "Коробка для пиццы {0}×{0}×40 мм, {1}, {2} шт",
            axis("250|||0.7|0.65", "300|||0.85|0.85", "330", "360|||1.15|1.2", "400|||1.3|1.45",
                 "450|||1.55|1.8", "500|||1.85|2.2"),
            axis("WHT|white|белая", "BRN|brown|бурая|0.9", "PRN|printed|с печатью|1.2"),
            axis("50|||1|1", "100|||1.95|2"),
            unit="pack", price="1350", weight="5", volume="0.08", packs=(1,),
            synonyms=("pizza box", "коробка для пиццы"),
        ),
    ),
    ("horeca", "catering"),
)

FOILS = CategorySpec(
    "FOL", "Food wraps and foil", "Пищевая плёнка и фольга", 2,
    (
        family(
            "FWR", "{0} {1} mm × {2} m, {3}, {4}", "{0} {1} мм × {2} м, {3}, {4}",
            axis("CLG|Cling film|Плёнка пищевая", "ALF|Aluminium foil|Фольга алюминиевая|1.8|2.5",
                 "BKP|Baking paper|Бумага для выпечки|1.3|1.2"),
            axis("290|||0.75|0.75", "300|||0.8|0.8", "440|||1.05|1.05", "450|||1.1|1.1"),
            axis("10|||0.1|0.1", "20|||0.17|0.17", "100|||0.6|0.6", "200", "300|||1.4|1.5"),
            axis("STD|standard|стандартная", "PRO|professional|профессиональная|1.25|1.1"),
            FOOD_BRANDS,
            unit="roll", price="690", weight="1.6", volume="0.004", packs=(1, 6),
            synonyms=("cling wrap", "foil", "пищевая плёнка", "фольга"),
        ),
    ),
    ("horeca", "catering", "retail"),
)

PANTRY = CategorySpec(
    "PAN", "Coffee, tea and pantry", "Чай, кофе и продукты для офиса", 2,
    (
        family(
            "COF", "Coffee {0}, {1}, {2} g, {3}", "Кофе {0}, {1}, {2} г, {3}",
            axis("BN|beans|в зёрнах", "GR|ground|молотый", "INS|instant, freeze-dried|растворимый сублимированный|1.3"),
            axis("ARB|100% Arabica|100% арабика|1.2", "ARR|Arabica and Robusta|арабика и робуста",
                 "ESP|espresso blend|эспрессо-бленд|1.1"),
            axis("250|||0.28|0.26", "500|||0.52|0.52", "1000"),
            axis("LVZ|Lavazza||1.3", "JRD|Jardin", "PLG|Paulig", "JMN|Julius Meinl||1.4", "EGO|Egoiste||1.2",
                 "JCB|Jacobs", "PTT|Poetti||0.85", "MSC|Mauro||1.35"),
            unit="pcs", price="1590", weight="1.05", volume="0.0025", packs=(1, 6),
            synonyms=("coffee", "кофе"),
        ),
        family(
            "TEA", "Tea, {0}, {1} bags, {2}", "Чай {0}, {1} пакетиков, {2}",
            axis("BLK|black|чёрный", "GRN|green|зелёный", "HRB|herbal|травяной|1.1",
                 "EGR|Earl Grey|чёрный с бергамотом|1.05"),
            axis("25|||0.3|0.3", "100", "200|||1.9|2"),
            axis("GRF|Greenfield", "AHM|Ahmad Tea||1.1", "LPT|Lipton", "RCH|Richard", "TSS|Tess", "CRT|Curtis",
                 "DLM|Dilmah||1.15"),
            unit="pack", price="390", weight="0.22", volume="0.001", packs=(1, 12),
            synonyms=("tea bags", "чай", "чай в пакетиках"),
        ),
        family(
            "PNT", "{0}, {1}", "{0}, {1}",
            axis("SUG|Sugar sticks 5 g, 1000 pcs|Сахар порционный в стиках 5 г, 1000 шт|1|5",
                 "CRM|Coffee creamer portions 10 ml, 100 pcs|Сливки порционные 10 мл, 100 шт|0.9|1.1",
                 "WTR05|Still water 0.5 l, 12 bottles|Вода питьевая негазированная 0,5 л, 12 бутылок|0.55|6.3",
                 "WTR15|Still water 1.5 l, 6 bottles|Вода питьевая негазированная 1,5 л, 6 бутылок|0.5|9.2",
                 "WTR19|Still water 19 l|Вода питьевая 19 л|0.55|19.6",
                 "CKE|Biscuits assorted 1 kg|Печенье ассорти 1 кг|0.6|1.1"),
            axis("HRC|HoReCa Select", "OFC|Office Pantry", "PRM|Premium Line||1.25"),
            unit="pack", price="690", weight="1", volume="0.006", packs=(1, 4),
            synonyms=("office pantry", "продукты для офиса"),
        ),
    ),
    ("office", "horeca"),
)

LABELS = CategorySpec(
    "LBL", "Labels and marking", "Этикетки и маркировка", 2,
    (
        family(
            "LBL", "Thermal labels {0}×{1} mm, {2} per roll, {3}", "Термоэтикетки {0}×{1} мм, {2} шт в рулоне, {3}",
            axis("30|||0.6|0.6", "40|||0.75|0.75", "43|||0.8|0.8", "58", "75|||1.3|1.3", "100|||1.7|1.7"),
            axis("20|||0.6|0.6", "25|||0.7|0.7", "30|||0.8|0.8", "40", "60|||1.4|1.4", "100|||2.2|2.2",
                 "150|||3.1|3.1"),
            axis("500|||0.55|0.5", "1000", "2000|||1.9|2"),
            axis("ECO|ECO|ЭКО", "TOP|TOP, protective coating|ТОП, с защитным слоем|1.35"),
            unit="roll", price="230", weight="0.3", volume="0.0008", packs=(1, 10, 12),
            synonyms=("shipping labels", "barcode labels", "этикетки", "термоэтикетки"),
        ),
        family(
            "PTG", "Price tag labels {0} mm, {1}, {2}, {3} rolls", "Этикет-лента {0} мм, {1}, {2}, {3} рулонов",
            axis("21X12|21×12", "26X12|26×12||1.1", "26X16|26×16||1.2"),
            axis("WHT|white|белая", "YEL|yellow|жёлтая", "ORN|orange|оранжевая"),
            axis("RCT|rectangular|прямоугольная", "WAV|wavy|волнистая|1.05"),
            axis("10|||1|1", "50|||4.6|5"),
            unit="pack", price="290", weight="0.4", volume="0.001", packs=(1,),
            synonyms=("price tags", "ценники", "этикет-лента"),
        ),
    ),
    ("retail", "logistics"),
)

CATEGORIES: tuple[CategorySpec, ...] = (
    PAPER, WRITING, FILING, NOTEBOOKS, DESK, CARTRIDGES, BOXES, STRETCH, TAPES, BAGS, PROTECTIVE, TRASH,
    HYGIENE, CHEMICALS, CLEANING_TOOLS, PPE, FASTENERS, TOOLS, ACCESSORIES, ELECTRICAL, TABLEWARE, CONTAINERS,
    FOILS, PANTRY, LABELS,
)
