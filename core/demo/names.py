"""Word lists for people, customer companies, places and the supplier's staff (Russian with Latin forms)."""

from __future__ import annotations

from dataclasses import dataclass

SUPPLIER_NAME = "OptimaSnab"
SUPPLIER_DOMAIN = "optimasnab.example"

# (Russian, Latin)
MALE_FIRST = (
    ("Александр", "Alexander"), ("Алексей", "Alexey"), ("Андрей", "Andrey"), ("Артём", "Artyom"),
    ("Борис", "Boris"), ("Вадим", "Vadim"), ("Виктор", "Viktor"), ("Владимир", "Vladimir"),
    ("Денис", "Denis"), ("Дмитрий", "Dmitry"), ("Евгений", "Evgeny"), ("Иван", "Ivan"), ("Игорь", "Igor"),
    ("Кирилл", "Kirill"), ("Константин", "Konstantin"), ("Максим", "Maxim"), ("Михаил", "Mikhail"),
    ("Никита", "Nikita"), ("Николай", "Nikolay"), ("Олег", "Oleg"), ("Павел", "Pavel"), ("Роман", "Roman"),
    ("Руслан", "Ruslan"), ("Сергей", "Sergey"), ("Станислав", "Stanislav"), ("Тимур", "Timur"),
    ("Фёдор", "Fyodor"), ("Юрий", "Yury"), ("Ильдар", "Ildar"), ("Марат", "Marat"),
)
FEMALE_FIRST = (
    ("Анна", "Anna"), ("Алина", "Alina"), ("Анастасия", "Anastasia"), ("Валентина", "Valentina"),
    ("Вера", "Vera"), ("Виктория", "Victoria"), ("Галина", "Galina"), ("Дарья", "Darya"),
    ("Екатерина", "Ekaterina"), ("Елена", "Elena"), ("Ирина", "Irina"), ("Кристина", "Kristina"),
    ("Ксения", "Ksenia"), ("Лариса", "Larisa"), ("Людмила", "Lyudmila"), ("Марина", "Marina"),
    ("Мария", "Maria"), ("Наталья", "Natalya"), ("Нина", "Nina"), ("Ольга", "Olga"), ("Полина", "Polina"),
    ("Светлана", "Svetlana"), ("София", "Sofia"), ("Татьяна", "Tatyana"), ("Юлия", "Yulia"),
    ("Яна", "Yana"), ("Гульнара", "Gulnara"), ("Альфия", "Alfiya"),
)
# Male forms; the female form adds "а" / "a" (every surname here ends in -ов, -ев or -ин).
SURNAMES = (
    ("Иванов", "Ivanov"), ("Петров", "Petrov"), ("Смирнов", "Smirnov"), ("Кузнецов", "Kuznetsov"),
    ("Попов", "Popov"), ("Васильев", "Vasilyev"), ("Соколов", "Sokolov"), ("Михайлов", "Mikhailov"),
    ("Новиков", "Novikov"), ("Фёдоров", "Fyodorov"), ("Морозов", "Morozov"), ("Волков", "Volkov"),
    ("Алексеев", "Alekseev"), ("Лебедев", "Lebedev"), ("Семёнов", "Semyonov"), ("Егоров", "Egorov"),
    ("Павлов", "Pavlov"), ("Козлов", "Kozlov"), ("Степанов", "Stepanov"), ("Николаев", "Nikolaev"),
    ("Орлов", "Orlov"), ("Андреев", "Andreev"), ("Макаров", "Makarov"), ("Никитин", "Nikitin"),
    ("Захаров", "Zakharov"), ("Зайцев", "Zaitsev"), ("Соловьёв", "Solovyov"), ("Борисов", "Borisov"),
    ("Яковлев", "Yakovlev"), ("Григорьев", "Grigoryev"), ("Романов", "Romanov"), ("Воробьёв", "Vorobyov"),
    ("Сергеев", "Sergeev"), ("Кузьмин", "Kuzmin"), ("Фролов", "Frolov"), ("Александров", "Aleksandrov"),
    ("Дмитриев", "Dmitriev"), ("Королёв", "Korolyov"), ("Гусев", "Gusev"), ("Киселёв", "Kiselyov"),
    ("Ильин", "Ilyin"), ("Максимов", "Maksimov"), ("Поляков", "Polyakov"), ("Сорокин", "Sorokin"),
    ("Виноградов", "Vinogradov"), ("Ковалёв", "Kovalyov"), ("Белов", "Belov"), ("Медведев", "Medvedev"),
    ("Антонов", "Antonov"), ("Тарасов", "Tarasov"), ("Жуков", "Zhukov"), ("Баранов", "Baranov"),
    ("Гарипов", "Garipov"), ("Хайруллин", "Khayrullin"), ("Сафин", "Safin"), ("Галиев", "Galiev"),
)

# Company names: root + suffix, e.g. «Альфа-Снаб» / Alfa-Snab. A suffix hints at the trade (tags).
COMPANY_ROOTS = (
    ("Альфа", "Alfa"), ("Вега", "Vega"), ("Север", "Sever"), ("Техно", "Tekhno"), ("Гранит", "Granit"),
    ("Меридиан", "Meridian"), ("Ника", "Nika"), ("Орион", "Orion"), ("Профи", "Profi"), ("Вектор", "Vektor"),
    ("Сфера", "Sfera"), ("Атлант", "Atlant"), ("Восток", "Vostok"), ("Лидер", "Lider"), ("Спектр", "Spektr"),
    ("Импульс", "Impuls"), ("Регион", "Region"), ("Квадрат", "Kvadrat"), ("Магистраль", "Magistral"),
    ("Эталон", "Etalon"), ("Феникс", "Feniks"), ("Пилот", "Pilot"), ("Стандарт", "Standart"),
    ("Интер", "Inter"), ("Балтика", "Baltika"), ("Волга", "Volga"), ("Урал", "Ural"), ("Сибирь", "Sibir"),
    ("Кама", "Kama"), ("Ладога", "Ladoga"), ("Радуга", "Raduga"), ("Янтарь", "Yantar"), ("Кедр", "Kedr"),
    ("Берёза", "Beryoza"), ("Соло", "Solo"), ("Дельта", "Delta"), ("Омега", "Omega"), ("Гамма", "Gamma"),
    ("Бета", "Beta"), ("Зенит", "Zenit"),
)


@dataclass(frozen=True, slots=True)
class CompanySuffix:
    ru: str
    en: str
    tags: tuple[str, ...]


COMPANY_SUFFIXES = (
    CompanySuffix("Снаб", "Snab", ("office", "facility")),
    CompanySuffix("Трейд", "Trade", ("retail",)),
    CompanySuffix("Сервис", "Service", ("facility", "cleaning")),
    CompanySuffix("Маркет", "Market", ("retail",)),
    CompanySuffix("Пак", "Pak", ("ecommerce", "logistics")),
    CompanySuffix("Строй", "Stroy", ("construction",)),
    CompanySuffix("Групп", "Group", ("office",)),
    CompanySuffix("Логистик", "Logistic", ("logistics",)),
    CompanySuffix("Опт", "Opt", ("retail", "logistics")),
    CompanySuffix("Клин", "Clean", ("cleaning", "facility")),
    CompanySuffix("Фуд", "Food", ("horeca", "catering")),
    CompanySuffix("Офис", "Office", ("office",)),
    CompanySuffix("Кейтеринг", "Catering", ("horeca", "catering")),
    CompanySuffix("Монтаж", "Montazh", ("construction",)),
    CompanySuffix("Ритейл", "Retail", ("retail",)),
    CompanySuffix("Склад", "Sklad", ("logistics",)),
)
LEGAL_FORMS = (("ООО", "LLC"), ("ООО", "LLC"), ("ООО", "LLC"), ("ООО", "LLC"), ("АО", "JSC"))


@dataclass(frozen=True, slots=True)
class City:
    name: str  # as the delivery zones table spells it
    region: str
    tax_office: int  # first four digits of a company tax id registered there
    weight: int  # how many customers come from here
    warehouse: str  # the warehouse that serves it first


CITIES = (
    City("Moscow", "Moscow", 7701, 14, "MSK"),
    City("Khimki", "Moscow Oblast", 5047, 2, "MSK"),
    City("Podolsk", "Moscow Oblast", 5036, 2, "MSK"),
    City("Balashikha", "Moscow Oblast", 5001, 1, "MSK"),
    City("Saint Petersburg", "Saint Petersburg", 7801, 7, "SPB"),
    City("Gatchina", "Leningrad Oblast", 4705, 1, "SPB"),
    City("Tver", "Tver Oblast", 6901, 1, "MSK"),
    City("Yaroslavl", "Yaroslavl Oblast", 7604, 1, "MSK"),
    City("Voronezh", "Voronezh Oblast", 3664, 1, "MSK"),
    City("Nizhny Novgorod", "Nizhny Novgorod Oblast", 5260, 2, "KZN"),
    City("Kazan", "Tatarstan", 1655, 4, "KZN"),
    City("Naberezhnye Chelny", "Tatarstan", 1650, 1, "KZN"),
    City("Samara", "Samara Oblast", 6315, 2, "KZN"),
    City("Ufa", "Bashkortostan", 278, 1, "KZN"),
    City("Perm", "Perm Krai", 5902, 1, "KZN"),
    City("Yekaterinburg", "Sverdlovsk Oblast", 6671, 2, "NSK"),
    City("Krasnodar", "Krasnodar Krai", 2310, 2, "MSK"),
    City("Rostov-on-Don", "Rostov Oblast", 6164, 1, "MSK"),
    City("Novosibirsk", "Novosibirsk Oblast", 5406, 3, "NSK"),
    City("Omsk", "Omsk Oblast", 5503, 1, "NSK"),
    City("Krasnoyarsk", "Krasnoyarsk Krai", 2466, 1, "NSK"),
)

STREETS = (
    "Lenina St", "Sovetskaya St", "Mira Ave", "Gagarina St", "Pushkina St", "Promyshlennaya St",
    "Lesnaya St", "Sadovaya St", "Zavodskaya St", "Tsentralnaya St", "Shosseynaya St", "Kirova St",
    "Oktyabrskaya St", "Molodyozhnaya St", "Industrialnaya St", "Pobedy Ave", "Stroiteley St",
    "Naberezhnaya St", "Kosmonavtov Ave", "Vokzalnaya St",
)
# Delivery address labels beyond the main office, by the trade a company's tags name.
ADDRESS_LABELS = {
    "horeca": ("Restaurant", "Café", "Central kitchen"),
    "catering": ("Central kitchen", "Banquet hall"),
    "construction": ("Construction site", "Site office"),
    "retail": ("Store", "Shopping centre outlet"),
    "ecommerce": ("Fulfilment centre", "Pickup point"),
    "logistics": ("Warehouse", "Cross-dock terminal"),
    "cleaning": ("Client site", "Equipment store"),
    "facility": ("Business centre", "Client site"),
    "office": ("Branch office", "Archive"),
}
DEFAULT_ADDRESS_LABELS = ("Warehouse", "Branch office")


@dataclass(frozen=True, slots=True)
class StaffMember:
    name: str
    email_local: str
    role: str
    phone: str


STAFF = (
    StaffMember("Irina Sokolova", "i.sokolova", "manager", "+74951230101"),
    StaffMember("Dmitry Volkov", "d.volkov", "manager", "+74951230102"),
    StaffMember("Elena Morozova", "e.morozova", "manager", "+74951230103"),
    StaffMember("Artyom Lebedev", "a.lebedev", "manager", "+78121230104"),
    StaffMember("Gulnara Safina", "g.safina", "manager", "+78431230105"),
    StaffMember("Oleg Baranov", "o.baranov", "manager", "+73831230106"),
    StaffMember("Kristina Orlova", "k.orlova", "marketer", "+74951230107"),
    StaffMember("Pavel Egorov", "admin", "admin", "+74951230108"),
)
