"""Sample files in the format of the Registraire des entreprises' open-data ZIP (see
``enterprises/register.py``): the six members with the published headers, UTF-8 with a BOM,
comma-delimited, every enterprise fictitious. Written row by row straight into the ZIP, so a
100,000-row sample never sits in memory."""

import csv
import io
import zipfile
from dataclasses import dataclass

from tests.factories.enterprises import valid_neq

ENTREPRISE_HEADER = [
    "NEQ", "IND_FAIL", "DAT_IMMAT", "COD_REGIM_JURI", "COD_INTVAL_EMPLO_QUE", "DAT_CESS_PREVU",
    "COD_STAT_IMMAT", "COD_FORME_JURI", "DAT_STAT_IMMAT", "COD_REGIM_JURI_CONSTI",
    "DAT_DEPO_DECLR", "AN_DECL", "AN_PROD", "DAT_LIMIT_PROD", "AN_PROD_PRE",
    "DAT_LIMIT_PROD_PRE", "DAT_MAJ_INDEX_NOM", "COD_ACT_ECON_CAE", "NO_ACT_ECON_ASSUJ",
    "DESC_ACT_ECON_ASSUJ", "COD_ACT_ECON_CAE2", "NO_ACT_ECON_ASSUJ2", "DESC_ACT_ECON_ASSUJ2",
    "NOM_LOCLT_CONSTI", "DAT_CONSTI", "IND_CONVEN_UNMN_ACTNR", "IND_RET_TOUT_POUVR",
    "IND_LIMIT_RESP", "DAT_DEB_RESP", "DAT_FIN_RESP", "OBJET_SOC", "NO_MTR_VOLONT",
    "ADR_DOMCL_ADR_DISP", "ADR_DOMCL_LIGN1_ADR", "ADR_DOMCL_LIGN2_ADR", "ADR_DOMCL_LIGN3_ADR",
    "ADR_DOMCL_LIGN4_ADR"]
NOM_HEADER = ["NEQ", "NOM_ASSUJ", "NOM_ASSUJ_LANG_ETRNG", "STAT_NOM", "TYP_NOM_ASSUJ",
              "DAT_INIT_NOM_ASSUJ", "DAT_FIN_NOM_ASSUJ"]
ETABLISSEMENTS_HEADER = [
    "NEQ", "NO_SUF_ETAB", "IND_ETAB_PRINC", "IND_SALON_BRONZ", "IND_VENTE_TABAC_DETL",
    "IND_DISP", "LIGN1_ADR", "LIGN2_ADR", "LIGN3_ADR", "LIGN4_ADR", "COD_ACT_ECON",
    "DESC_ACT_ECON_ETAB", "NO_ACT_ECON_ETAB", "COD_ACT_ECON2", "DESC_ACT_ECON_ETAB2",
    "NO_ACT_ECON_ETAB2", "NOM_ETAB"]
FUSION_HEADER = ["NEQ", "NEQ_ASSUJ_REL", "DENOMN_SOC", "COD_RELA_ASSUJ", "DAT_EFCTVT",
                 "IND_DISP", "LIGN1_ADR", "LIGN2_ADR", "LIGN3_ADR", "LIGN4_ADR"]
CONTINUATION_HEADER = ["NEQ", "COD_TYP_CHANG", "COD_REGIM_JURI", "AUTR_REGIM_JURI",
                       "NOM_LOCLT", "DAT_EFCTVT"]
DOMAINE_HEADER = ["TYP_DOM_VAL", "COD_DOM_VAL", "VAL_DOM_FRAN"]

#: Fictitious code lists in DomaineValeur.csv's shape (the legal-form codes are invented: the
#: loader reads the labels, not the codes).
CODES = [
    ("STAT_IMMAT", "IM", "Immatriculée"),
    ("STAT_IMMAT", "RD", "Radiée sur demande"),
    ("STAT_IMMAT", "RO", "Radiée d'office"),
    ("STAT_IMMAT", "RX", "Radiée d'office (article 59)"),
    ("FORME_JURI", "SPA", "Société par actions ou compagnie"),
    ("FORME_JURI", "IND", "Entreprise individuelle"),
    ("FORME_JURI", "APE", "Personne morale sans but lucratif"),
    ("FORME_JURI", "SNC", "Société en nom collectif"),
    ("FORME_JURI", "COO", "Coopérative"),
    ("STAT_NOM", "V", "En vigueur"),
    ("STAT_NOM", "A", "Antérieur"),
    ("TYP_NOM_ASSUJ", "N", "Nom"),
    ("TYP_NOM_ASSUJ", "A", "Autre nom"),
]
FORMS = ["SPA", "SPA", "SPA", "IND", "APE", "SNC", "COO"]
STATUSES = ["IM"] * 8 + ["RO", "RD"]


@dataclass(frozen=True)
class Enterprise:
    neq: str
    name: str
    other_names: tuple = ()
    status: str = "IM"
    form: str = "SPA"
    cae: str = "3329"
    activity: str = "Fabrication de produits métalliques"
    address: tuple = ("1250, avenue de la Station", "Shawinigan (Québec)", "Canada", "G9N 1V9")
    address_shown: bool = True
    old_name: str = ""


def generated(count, start=1):
    """``count`` fictitious enterprises, the same for the same arguments."""
    for i in range(start, start + count):
        others = (f"Atelier {i} (fictif)",) if i % 3 == 0 else ()
        yield Enterprise(
            neq=valid_neq(1_000_000 + i), name=f"Entreprise fictive {i} inc.",
            other_names=others, status=STATUSES[i % len(STATUSES)], form=FORMS[i % len(FORMS)],
            cae=f"{1000 + i % 9000}", activity=f"Activité fictive {i % 97}",
            address=(f"{i}, rue de l'Exemple", "Trois-Rivières (Québec)", "Canada", "G9A 1A1"),
            address_shown=i % 11 != 0, old_name=f"Ancien nom {i} ltée" if i % 5 == 0 else "")


def _entreprise_row(e: Enterprise):
    row = dict.fromkeys(ENTREPRISE_HEADER, "")
    row.update(NEQ=e.neq, IND_FAIL="N", DAT_IMMAT="2012-05-03", COD_REGIM_JURI="QC",
               COD_INTVAL_EMPLO_QUE="3", COD_STAT_IMMAT=e.status, COD_FORME_JURI=e.form,
               DAT_STAT_IMMAT="2012-05-03" if e.status == "IM" else "2021-09-15",
               COD_ACT_ECON_CAE=e.cae, NO_ACT_ECON_ASSUJ="1", DESC_ACT_ECON_ASSUJ=e.activity,
               DAT_CONSTI="2012-05-03", ADR_DOMCL_ADR_DISP="O" if e.address_shown else "N")
    for i, line in enumerate(e.address, start=1):
        row[f"ADR_DOMCL_LIGN{i}_ADR"] = line
    return [row[c] for c in ENTREPRISE_HEADER]


def _name_rows(e: Enterprise):
    yield [e.neq, e.name, "", "V", "N", "2012-05-03", ""]
    for other in e.other_names:
        yield [e.neq, other, "", "V", "A", "2015-01-01", ""]
    if e.old_name:
        yield [e.neq, e.old_name, "", "A", "N", "2005-01-01", "2012-05-02"]


def _member(archive, name, header, rows):
    with archive.open(name, "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, delimiter=",", quotechar='"', lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
        text.flush()
        text.detach()


def write_sample(path, enterprises, *, skip=(), entreprise_header=None, codes=CODES):
    """Write the register's ZIP at ``path`` with ``enterprises`` (an iterable, read twice if
    it is a list; a callable returning a fresh iterable otherwise)."""
    fresh = enterprises if callable(enterprises) else (lambda: iter(enterprises))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if "Entreprise.csv" not in skip:
            _member(archive, "Entreprise.csv", entreprise_header or ENTREPRISE_HEADER,
                    (_entreprise_row(e) for e in fresh()))
        if "Nom.csv" not in skip:
            _member(archive, "Nom.csv", NOM_HEADER,
                    (row for e in fresh() for row in _name_rows(e)))
        _member(archive, "Etablissements.csv", ETABLISSEMENTS_HEADER, [])
        _member(archive, "FusionScissions.csv", FUSION_HEADER, [])
        _member(archive, "ContinuationsTransformations.csv", CONTINUATION_HEADER, [])
        if "DomaineValeur.csv" not in skip:
            _member(archive, "DomaineValeur.csv", DOMAINE_HEADER, codes)
    return path
