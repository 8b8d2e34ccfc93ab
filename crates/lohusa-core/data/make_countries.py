"""Writes countries.json from Debian's iso-codes package (ISO 3166-1 codes and the translations of
the country names into Turkish and Arabic): `python3 make_countries.py > countries.json`.
The hand-written aliases (demonyms and the spellings nurses type) are kept below."""
import gettext
import json

ALIASES = {
    "TR": ["T.C.", "TC", "Türk", "Türk vatandaşı", "T.C. vatandaşı", "Türkiye Cumhuriyeti", "Turkey", "Turkish", "Turkiye", "تركي", "تركية", "تركيا"],
    "SY": ["Suriyeli", "Syrian", "Syria", "سوري", "سورية", "سوريا", "Suriye"],
    "AF": ["Afgan", "Afganlı", "Afghan", "أفغاني", "أفغانية", "Afganistanlı", "افغان", "افغانستانی", "افغانستان"],
    "IQ": ["Iraklı", "Iraqi", "عراقي", "عراقية", "العراق"],
    "IR": ["İran", "İranlı", "Iranian", "Iran", "إيراني", "إيرانية", "إيران", "ایران", "ایرانی"],
    "PK": ["Pakistanlı", "Pakistani", "باكستاني", "باكستانية"],
    "SO": ["Somalili", "Somali", "صومالي", "صومالية", "الصومال"],
    "PS": ["Filistin", "Filistinli", "Palestinian", "Palestine", "فلسطيني", "فلسطينية", "فلسطين"],
    "LB": ["Lübnanlı", "Lebanese", "لبناني", "لبنانية"],
    "EG": ["Mısırlı", "Egyptian", "مصري", "مصرية"],
    "SD": ["Sudanlı", "Sudanese", "سوداني", "سودانية"],
    "YE": ["Yemenli", "Yemeni", "يمني", "يمنية"],
    "UA": ["Ukraynalı", "Ukrainian", "أوكراني", "أوكرانية"],
    "RU": ["Rus", "Russian", "Rusya", "روسي", "روسية"],
    "AZ": ["Azeri", "Azerbaycanlı", "Azerbaijani"],
    "UZ": ["Özbek", "Uzbek"],
    "TM": ["Türkmen", "Turkmen"],
    "GE": ["Gürcü", "Georgian"],
    "ER": ["Eritreli", "Eritrean", "إريتري", "إريترية"],
    "ET": ["Etiyopyalı", "Ethiopian", "إثيوبي", "إثيوبية"],
    "JO": ["Ürdünlü", "Jordanian", "أردني", "أردنية"],
    "LY": ["Libyalı", "Libyan", "ليبي", "ليبية"],
    "TN": ["Tunuslu", "Tunisian", "تونسي", "تونسية"],
    "DZ": ["Cezayirli", "Algerian", "جزائري", "جزائرية"],
    "MA": ["Faslı", "Moroccan", "مغربي", "مغربية"],
    "BD": ["Bangladeşli", "Bangladeshi"],
    "NG": ["Nijeryalı", "Nigerian"],
    "CD": ["Kongolu", "Congolese"],
    "KG": ["Kırgız", "Kyrgyz"],
    "TJ": ["Tacik", "Tajik"],
    "DE": ["Alman", "German"],
}

# Short names where the translation is the long official one or missing.
NAMES = {
    "TR": {"ar": "تركيا"},
    "SY": {"ar": "سوريا"},
    "IR": {"ar": "إيران", "tr": "İran"},
    "PS": {"ar": "فلسطين", "tr": "Filistin"},
}

codes = json.load(open("/usr/share/iso-codes/json/iso_3166-1.json"))["3166-1"]
tr = gettext.translation("iso_3166-1", localedir="/usr/share/locale", languages=["tr"])
ar = gettext.translation("iso_3166-1", localedir="/usr/share/locale", languages=["ar"])
out = []
for c in sorted(codes, key=lambda c: c["alpha_2"]):
    common = c.get("common_name", c["name"])
    names = {
        "en": common,
        "tr": tr.gettext(common) if tr.gettext(common) != common else tr.gettext(c["name"]),
        "ar": ar.gettext(common) if ar.gettext(common) != common else ar.gettext(c["name"]),
    }
    names.update(NAMES.get(c["alpha_2"], {}))
    aliases = {c["name"], c.get("official_name", c["name"]), tr.gettext(c["name"]), ar.gettext(c["name"]), c["alpha_3"]}
    aliases |= set(ALIASES.get(c["alpha_2"], []))
    aliases -= set(names.values())
    out.append({"code": c["alpha_2"], "alpha3": c["alpha_3"], "name": names, "aliases": sorted(aliases)})
print(json.dumps(out, ensure_ascii=False, indent=1))
