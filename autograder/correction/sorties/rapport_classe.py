"""Rapport de la classe (``OUT/rapport_classe.html``) : une page autonome pour le débriefing.

Contenu : le tableau des étudiants (nom, numéro de participant Moodle, note, points par
exercice, statut, lien vers le retour, signalements) ; histogramme des notes ; réussite
par exercice et par vérification, avec ce qui sépare les étudiants (corrélation
point-bisériale entre réussir la vérification et le reste de la note) ; pour chaque
vérification, les messages d'échec que les étudiants ont reçus, regroupés, comptés et
nommés (lus dans les sorties d'erreur des notebooks corrigés ; les exceptions brutes de
Python traduites en français) ; les remises dont le statut n'est pas « ok » ; le temps
de correction ; les paires de réponses partagées, côte à côte. Nombres à la française.

**Aucune source de test caché** : une vérification est nommée par le commentaire visible
en tête de sa cellule (« Vérification de l'exercice 3 ») ; d'une erreur, seuls le type et
le message (ce que le retour de l'étudiant affiche) sont repris, jamais la trace ; une
erreur levée par une ligne cachée est marquée « test caché », et son message est remplacé
par le nom de la vérification s'il est vide ou cite une ligne cachée. Figures en PNG
embarqués (base64) : la page s'ouvre sans réseau.
"""
import base64
import html
import io
import json
import re
import statistics
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from autograder.bareme import bareme, cellules_notees, exercice_de
from autograder.cellules import grade_id, separer_regions, source
from autograder.chemins import NOTEBOOK_MAITRE
from autograder.correction.sorties.resultats import copies_notees, lire_notebook
from autograder.correction.sorties.retours_moodle import chemin_retour, participant_de_etat
from autograder.correction.sorties.similarites import SEUIL, reponses_de_la_classe

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FLECHE = re.compile(r"^-*>\s*\d+\s?(.*)$")


def _fr(x: float, format_: str = "g") -> str:
    """Nombre à la française : virgule décimale (« 12,5 »)."""
    return format(x, format_).replace(".", ",")


def _espaces(texte: str) -> str:
    return " ".join(texte.split())


def lignes_cachees(texte: str) -> list:
    """Lignes non vides des régions ``BEGIN/END HIDDEN TESTS`` d'une source de cellule."""
    return [ligne for ligne in separer_regions(texte)[0] if ligne.strip()]


def _visible(texte: str) -> str:
    return "\n".join(separer_regions(texte)[1])


def verifications_du_maitre(maitre: Path = NOTEBOOK_MAITRE) -> dict:
    """``{grade_id: (description, lignes cachées normalisées)}`` des cellules de vérification.

    La description est le premier commentaire *visible* de la cellule, sans « (N points) ».
    """
    nb = lire_notebook(maitre) or {"cells": []}
    verifications = {}
    for cellule in nb["cells"]:
        gid = grade_id(cellule)
        if gid not in cellules_notees(maitre):
            continue
        texte = source(cellule)
        commentaires = [ligne.strip().lstrip("#").strip() for ligne in _visible(texte).splitlines()
                        if ligne.strip().startswith("#")]
        description = re.sub(r"\s*\(\d+(?:[.,]\d+)? points?\)\s*$", "", commentaires[0]) if commentaires else gid
        verifications[gid] = (description, {_espaces(ligne) for ligne in lignes_cachees(texte)})
    return verifications


#: Exceptions brutes de Python (la cellule de l'étudiant, pas un message de vérification) :
#: ``(type, motif du message) -> explication en français``.
TRADUCTIONS = [
    (None, re.compile(r"'?ellipsis'?"), "la cellule n'a pas été complétée (un « ... » reste à remplacer)"),
    ("NameError", re.compile(r"name '(\w+)' is not defined"),
     "« {0} » n'est pas défini : cellule non complétée, ou cellules précédentes non exécutées"),
    ("IndexError", re.compile(r"index .* out of bounds|out of range"), "indice hors du tableau (décalage d'indice ?)"),
    ("ValueError", re.compile(r"operands could not be broadcast|cannot reshape|shapes? .* not aligned"),
     "tableaux de formes incompatibles"),
    ("TypeError", re.compile(r"unsupported operand|not callable|not subscriptable|object is not iterable"),
     "opération impossible sur ce type de valeur"),
    ("ZeroDivisionError", re.compile(r""), "division par zéro"),
    ("SyntaxError", re.compile(r""), "erreur de syntaxe dans la cellule"),
    ("IndentationError", re.compile(r""), "erreur d'indentation dans la cellule"),
]


def en_francais(nom: str, valeur: str) -> str | None:
    """Explication française d'une exception brute de Python, ou None (message d'une vérification)."""
    for type_, motif, explication in TRADUCTIONS:
        if type_ not in (None, nom):
            continue
        trouve = motif.search(valeur)
        if trouve and (type_ is not None or nom in ("TypeError", "AttributeError", "ValueError")):
            return explication.format(*trouve.groups())
    return None


def message_d_echec(sortie: dict, cachees: set, description: str, toutes_cachees: set = frozenset()) -> tuple:
    """``(message, caché)`` d'une sortie d'erreur : ce que le retour de l'étudiant affiche.

    ``caché`` : l'instruction qui a échoué est une ligne cachée de la vérification
    (``cachees``). Le message ne cite jamais de ligne cachée, de cette cellule ou d'une
    autre (``toutes_cachees``) : sinon il est remplacé par le nom du test.
    """
    trace = _ANSI.sub("", "\n".join(sortie.get("traceback") or []))
    fleches = [m.group(1) for m in map(_FLECHE.match, trace.splitlines()) if m]
    cache = bool(fleches) and _espaces(fleches[0]) in cachees
    valeur = _espaces(str(sortie.get("evalue") or ""))
    nom = sortie.get("ename") or "Erreur"
    fuite = any(len(ligne) > 15 and ligne in valeur for ligne in cachees | toutes_cachees)
    if fuite or (cache and not valeur):
        return f"{nom} : échec d'un test caché de « {description} »", cache
    francais = en_francais(nom, valeur)
    if francais:
        return f"{francais} ({nom})", cache
    return (f"{nom} : {valeur}" if valeur else nom), cache


def echecs_de_la_classe(copies: dict, verifications: dict) -> dict:
    """``{grade_id: {(message, caché): [étudiants]}}`` (étudiants dans l'ordre alphabétique)."""
    echecs = {gid: {} for gid in verifications}
    toutes_cachees = {ligne for _, cachees in verifications.values() for ligne in cachees}
    for etudiant, copie in sorted(copies.items()):
        nb = lire_notebook(copie.notebook)
        for cellule in (nb or {}).get("cells", []):
            gid = grade_id(cellule)
            if gid not in verifications:
                continue
            description, cachees = verifications[gid]
            for sortie in cellule.get("outputs", []):
                if sortie.get("output_type") == "error":
                    cle = message_d_echec(sortie, cachees, description, toutes_cachees)
                    echecs[gid].setdefault(cle, []).append(etudiant)
                    break
    return echecs


def _png_base64(figure) -> str:
    tampon = io.BytesIO()
    figure.savefig(tampon, format="png", dpi=100)
    return base64.b64encode(tampon.getvalue()).decode("ascii")


def figures(lignes: list, reussite_verifs: dict) -> str:
    """Histogramme des notes (nombre d'étudiants, graduations entières) et réussite par vérification."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, (gauche, droite) = plt.subplots(1, 2, figsize=(12, 4))
    notes = [ligne["note_sur_20"] for ligne in lignes]
    gauche.hist(notes, bins=range(22), color="#3b75af", edgecolor="white")
    gauche.set(title=f"Notes sur 20 ({len(notes)} copies)", xlabel="note sur 20", ylabel="nombre d'étudiants",
               xlim=(0, 21), xticks=range(0, 21, 2))
    gauche.yaxis.set_major_locator(MaxNLocator(integer=True))
    noms = list(reussite_verifs)
    droite.barh(noms[::-1], [100 * reussite_verifs[n] for n in noms[::-1]], color="#e07b39")
    droite.set(title="Vérifications réussies (tous les points)", xlabel="% des étudiants", xlim=(0, 100))
    figure.tight_layout()
    image = _png_base64(figure)
    plt.close(figure)
    return f'<img alt="Histogramme des notes et réussite par vérification" src="data:image/png;base64,{image}">'


def _tableau(entete: list, lignes: list) -> str:
    tete = "".join(f"<th>{html.escape(str(c))}</th>" for c in entete)
    corps = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in ligne) + "</tr>" for ligne in lignes)
    return f"<table><thead><tr>{tete}</tr></thead><tbody>{corps}</tbody></table>"


def _pourcent(x: float) -> str:
    return f"{100 * x:.0f} %"


def separation(reussites: list, reste: list) -> float | None:
    """Corrélation point-bisériale entre réussir une vérification (0 ou 1) et le reste de la note.

    None quand elle n'a pas de sens : moins de 3 copies, ou tout le monde (ou personne) réussit,
    ou le reste de la note est le même pour tous."""
    if len(reussites) < 3 or len(set(reussites)) < 2 or len(set(reste)) < 2:
        return None
    return statistics.correlation([float(r) for r in reussites], [float(x) for x in reste])


def lecture_separation(r: float | None, taux: float) -> str:
    """Ce que dit la corrélation, en mots (seuils usuels de l'analyse d'items : 0,2 et 0,4)."""
    if r is None:
        return "tous l'ont réussie" if taux >= 1 else ("personne ne l'a réussie" if taux <= 0 else "–")
    if r >= 0.4:
        return "sépare nettement"
    if r >= 0.2:
        return "sépare un peu"
    if r > -0.2:
        return "ne sépare pas"
    return "réussie plutôt par les plus faibles : à revoir"


def section_reussite(lignes: list, copies: dict, verifications: dict, echecs: dict) -> tuple:
    """(HTML des tableaux par exercice et par vérification, réussite par vérification)."""
    maxima, points_verifs = bareme(), cellules_notees()
    n = max(len(lignes), 1)
    exercices = [[ex, _fr(maxi), f"{_fr(statistics.fmean(ligne[ex] for ligne in lignes), '.2f')}" if lignes else "–",
                  _pourcent(sum(ligne[ex] >= maxi - 1e-9 for ligne in lignes) / n)] for ex, maxi in maxima.items()]
    totaux = {ligne["student_id"]: float(ligne["total"]) for ligne in lignes}
    reussite, lignes_verifs = {}, []
    for gid, maxi in points_verifs.items():
        reussies = sum(float((c.resultat.get("scores") or {}).get(gid) or 0) >= maxi - 1e-9 for c in copies.values())
        reussite[gid] = reussies / max(len(copies), 1)
        points = {e: float((c.resultat.get("scores") or {}).get(gid) or 0) for e, c in copies.items() if e in totaux}
        r = separation([points[e] >= maxi - 1e-9 for e in points], [totaux[e] - points[e] for e in points])
        lignes_verifs.append([html.escape(verifications.get(gid, (gid,))[0]), exercice_de(gid), _fr(maxi),
                              _pourcent(reussite[gid]), "–" if r is None else _fr(r, "+.2f"),
                              lecture_separation(r, reussite[gid]),
                              str(sum(len(n) for n in echecs.get(gid, {}).values()))])
    texte = ("<h2>Réussite par exercice</h2>"
             + _tableau(["exercice", "points", "moyenne", "réussite complète"], exercices)
             + "<h2>Réussite par vérification</h2>"
             + "<p>« Réussie » : part des étudiants qui ont tous les points (ce que la classe a appris). "
               "« Sépare » : corrélation point-bisériale entre réussir la vérification et le reste de la "
               "note (sa note moins cette vérification), de −1 à 1 : proche de 0, la vérification est "
               "réussie ou manquée indépendamment du reste (elle n'a fait que trier, ou tout le monde l'a "
               "apprise) ; au-dessus de 0,4, ceux qui la réussissent réussissent aussi le reste. "
               "Sur une petite classe, un indice parmi d'autres.</p>"
             + _tableau(["vérification", "exercice", "points", "réussie", "sépare (r)", "lecture",
                         "messages d'échec"], lignes_verifs))
    return texte, reussite


def section_messages(echecs: dict, verifications: dict) -> str:
    """Pour chaque vérification, les messages d'échec reçus par les étudiants, comptés."""
    parties = [("<h2>Ce que la classe a manqué</h2><p>Les messages d'échec tels que les étudiants les ont "
               "reçus dans leur retour, regroupés ; « test caché » : levé par un test que les étudiants "
               "ne voient pas (seul son message leur est montré).</p>")]
    for gid, par_message in echecs.items():
        if not par_message:
            continue
        marque = '<span class="cache">test caché</span> '
        items = "".join(
            f'<li><span class="nombre">{len(noms)} étudiant{"s" if len(noms) > 1 else ""}</span> '
            f"{marque if cache else ''}<code>{html.escape(message)}</code>"
            f'<br><span class="noms">{html.escape(", ".join(noms))}</span></li>'
            for (message, cache), noms in sorted(par_message.items(), key=lambda e: (-len(e[1]), e[0][0])))
        parties.append(f"<h3>{html.escape(verifications[gid][0])} <small>({gid})</small></h3><ul>{items}</ul>")
    if len(parties) == 1:
        parties.append("<p>Aucun message d'échec.</p>")
    return "".join(parties)


def section_statuts(lignes: list) -> str:
    problemes = [[html.escape(ligne["student_id"]), f"{_fr(ligne['note_sur_20'], 'g')}", html.escape(ligne["statut"])]
                 for ligne in sorted(lignes, key=lambda lg: lg["student_id"]) if ligne["statut"] != "ok"]
    corps = _tableau(["étudiant", "note sur 20", "statut"], problemes) if problemes else "<p>Aucune.</p>"
    return f"<h2>Remises à examiner (statut autre que « ok »)</h2>{corps}"


def etats_de_la_sortie(sortie: Path) -> dict:
    """``{étudiant: état}`` des remises notées (``OUT/etat/*.json``)."""
    etats = {}
    for fichier in sorted((Path(sortie) / "etat").glob("*.json")):
        try:
            etat = json.loads(fichier.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if "etudiant" in etat:
            etats[etat["etudiant"]] = etat
    return etats


def _signalements_de(copie, paires: list, etudiant: str) -> list:
    """Textes (HTML) des signalements d'un étudiant : code inhabituel relevé par la correction,
    réponses partagées."""
    textes = []
    for s in (copie.resultat.get("signalements") or []) if copie else []:
        textes.append(f"{html.escape(str(s.get('cellule', '?')))}, ligne {html.escape(str(s.get('ligne', '?')))}"
                      f" : {html.escape(str(s.get('raison', '')))}")
    for p in paires:
        if etudiant in (p.etudiant_a, p.etudiant_b):
            autre = p.etudiant_b if etudiant == p.etudiant_a else p.etudiant_a
            textes.append(f"réponses partagées avec {html.escape(autre)} (score {_fr(p.score, '.1f')})")
    return textes


def section_etudiants(lignes: list, copies: dict, paires: list, etats: dict, sortie: Path | None) -> str:
    """Le tableau des étudiants : nom, participant, note, points par exercice, statut, retour, signalements."""
    maxima = bareme()
    rangs = []
    for ligne in sorted(lignes, key=lambda lg: lg["student_id"]):
        etudiant = ligne["student_id"]
        etat = etats.get(etudiant, {"etudiant": etudiant})
        moodle = participant_de_etat(etat)
        retour = chemin_retour(Path(sortie or "."), etat)
        try:
            lien = retour.relative_to(Path(sortie)) if sortie is not None and retour.is_file() else None
        except (OSError, ValueError):
            lien = None
        signalements = _signalements_de(copies.get(etudiant), paires, etudiant)
        rangs.append([
            html.escape(etudiant), moodle.participant if moodle else "–",
            f"<strong>{_fr(round(float(ligne['note_sur_20']), 2))}</strong>",
            *(_fr(round(float(ligne[ex]), 2)) for ex in maxima),
            "ok" if ligne["statut"] == "ok" else html.escape(ligne["statut"]),
            f'<a href="{quote(lien.as_posix())}">retour</a>' if lien else "–",
            "<br>".join(signalements) if signalements else "",
        ])
    entete = ["étudiant", "participant", "note / 20", *(f"{ex} (/{_fr(m)})" for ex, m in maxima.items()),
              "statut", "retour", "signalements"]
    return ("<h2>Étudiants</h2><p>Une ligne par étudiant (points après ajustements). Les "
            "signalements — code inhabituel relevé à la correction, réponses partagées — sont "
            "<strong>une raison de regarder, pas un verdict</strong>.</p>"
            + _tableau(entete, rangs).replace("<table>", '<table class="etudiants">', 1))


def _cellule_surlignee(texte: str, lignes_marquees: set, contexte: int = 2) -> str:
    """La cellule, lignes communes surlignées, réduite à ``contexte`` lignes autour d'elles (« … »)."""
    lignes = texte.splitlines()
    gardees = {n for m in lignes_marquees for n in range(m - contexte, m + contexte + 1)}
    rangs, coupe = [], False
    for numero, ligne in enumerate(lignes, 1):
        if numero not in gardees:
            coupe = True
            continue
        if coupe and rangs:
            rangs.append("…")
        coupe = False
        contenu = html.escape(ligne) or " "
        rangs.append(f"<mark>{contenu}</mark>" if numero in lignes_marquees else contenu)
    return "<pre>" + "\n".join(rangs) + "</pre>"


def section_similarites(paires: list, reponses: dict) -> str:
    """Les paires signalées, cellule par cellule, côte à côte (instructions communes surlignées)."""
    entete = (f"<h2>Réponses partagées</h2><p>Paires d'étudiants qui ont écrit les mêmes réponses "
              f"<em>rares</em> (seuil : {_fr(SEUIL, 'g')} ; voir <code>similarites.csv</code>). Le score compte "
              "les instructions communes, chacune pondérée par sa rareté dans la classe, en équivalents "
              f"d'instructions que personne d'autre n'a écrites ; le gabarit et les réponses attendues ne "
              "comptent jamais. <strong>Un signalement est une raison de regarder les deux copies, pas un "
              f"verdict</strong> : une idée partagée en travaillant ensemble, une même source, un hasard "
              "restent possibles.</p>")
    if not paires:
        return entete + "<p>Aucune paire au-dessus du seuil.</p>"
    blocs = []
    for p in paires:
        cellules = sorted({c.cellule for c in p.communes}, key=lambda g: list(reponses[p.etudiant_a]).index(g)
                          if g in reponses[p.etudiant_a] else 0)
        rangs = []
        for gid in cellules:
            marques_a = {n for c in p.communes if c.cellule == gid for n in range(c.a.debut, c.a.fin + 1)}
            marques_b = {n for c in p.communes if c.cellule == gid for n in range(c.b.debut, c.b.fin + 1)}
            rangs.append([f"<strong>{gid}</strong>",
                          _cellule_surlignee(reponses[p.etudiant_a].get(gid, ""), marques_a),
                          _cellule_surlignee(reponses[p.etudiant_b].get(gid, ""), marques_b)])
        blocs.append(f"<h3>{html.escape(p.etudiant_a)} et {html.escape(p.etudiant_b)} — score {_fr(p.score, 'g')} "
                     f"({len(p.communes)} instructions communes ; {' '.join(p.exercices)})</h3>"
                     + _tableau(["cellule", html.escape(p.etudiant_a), html.escape(p.etudiant_b)], rangs))
    return entete + "".join(blocs)


def section_duree(copies: dict, duree_s: float | None) -> str:
    durees = [float(c.resultat["duree_s"]) for c in copies.values() if c.resultat.get("duree_s")]
    morceaux = []
    if duree_s is not None:
        morceaux.append(f"cette exécution : {_fr(duree_s / 60, '.1f')} min")
    if durees:
        morceaux.append(f"par copie : {_fr(statistics.fmean(durees), '.1f')} s en moyenne, "
                        f"{_fr(max(durees), '.1f')} s au plus ({len(durees)} copies)")
    return f"<h2>Temps de correction</h2><p>{' ; '.join(morceaux) or 'inconnu'}.</p>"


STYLE = """body{font-family:sans-serif;max-width:72em;margin:1.5em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.25em .6em;vertical-align:top;text-align:left}
th{background:#f0f0f0}img{max-width:100%}pre{margin:0;font-size:.85em;white-space:pre-wrap}mark{background:#ffe27a}
.nombre{display:inline-block;min-width:7em;font-weight:bold}
.cache{background:#eee;border-radius:.3em;padding:0 .3em;font-size:.85em}
li{margin:.2em 0}small{color:#777;font-weight:normal}.noms{color:#555;font-size:.9em}
table.etudiants td{font-size:.9em}table.etudiants td:nth-child(n+3){text-align:right}
table.etudiants td:nth-last-child(-n+3){text-align:left}"""


def page_rapport(*, lignes: list, copies: dict, paires: list, reponses: dict, duree_s: float | None = None,
                 etats: dict | None = None, sortie: Path | None = None) -> str:
    """Le HTML complet du rapport (une page autonome, sans ressource externe).

    ``etats`` : ``{étudiant: état}`` (numéros de participant, retours) ; ``sortie`` : le dossier
    OUT où le rapport est écrit (liens vers les retours, relatifs)."""
    verifications = verifications_du_maitre()
    echecs = echecs_de_la_classe(copies, verifications)
    reussite_html, reussite = section_reussite(lignes, copies, verifications, echecs)
    notes = [ligne["note_sur_20"] for ligne in lignes]
    chapeau = (f"{len(lignes)} copies ; moyenne {_fr(statistics.fmean(notes), '.2f')} / 20, médiane "
               f"{_fr(statistics.median(notes), '.2f')} / 20" if notes else "Aucune copie.")
    corps = "".join([
        "<h1>TP « Modèles de diffusion » : rapport de la classe</h1>",
        f"<p>{chapeau}. Rapport écrit le {datetime.now().strftime('%d/%m/%Y à %H:%M')}.</p>",
        section_etudiants(lignes, copies, paires, etats or {}, sortie) if lignes else "",
        figures(lignes, reussite) if lignes else "", reussite_html, section_messages(echecs, verifications),
        section_statuts(lignes), section_similarites(paires, reponses), section_duree(copies, duree_s),
    ])
    return (f'<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
            f"<title>TP « Modèles de diffusion » — rapport de la classe</title><style>{STYLE}</style></head>"
            f"<body>{corps}</body></html>\n")


def ecrire_rapport_classe(*, sortie: Path, lignes: list, paires: list, duree_s: float | None = None) -> Path:
    """Écrit ``OUT/rapport_classe.html`` pour les étudiants de ``lignes`` ; renvoie son chemin."""
    from autograder.correction.sorties.archives import ecrire_atomique

    sortie = Path(sortie)
    etudiants = [ligne["student_id"] for ligne in lignes]
    page = page_rapport(lignes=lignes, copies=copies_notees(sortie, etudiants), paires=paires,
                        reponses=reponses_de_la_classe(sortie, etudiants), duree_s=duree_s,
                        etats=etats_de_la_sortie(sortie), sortie=sortie)
    ecrire_atomique(sortie / "rapport_classe.html", page)
    return sortie / "rapport_classe.html"


def ecrire_apres_correction(*, sortie: Path, lignes: list, duree_s: float | None, dire=print) -> None:
    """``similarites.csv`` puis ``rapport_classe.html`` : un échec ici ne coûte jamais notes.csv
    (déjà écrit), il est seulement signalé."""
    from autograder.correction.sorties.similarites import ecrire_similarites

    if not lignes:
        return
    try:
        paires = ecrire_similarites(sortie=sortie, lignes=lignes)
        chemin = ecrire_rapport_classe(sortie=sortie, lignes=lignes, paires=paires, duree_s=duree_s)
    except Exception as erreur:  # noqa: BLE001 — un rapport raté ne doit rien faire perdre
        dire(f"Rapport de la classe non écrit ({type(erreur).__name__} : {erreur}) ; notes.csv est complet.")
        return
    dire(f"Rapport de la classe : {chemin} ({len(paires)} paire(s) de réponses partagées signalée(s) : "
         f"similarites.csv)")
