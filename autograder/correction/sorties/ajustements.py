"""Ajustements manuels des notes (``OUT/ajustements.csv``) et choix d'un seul étudiant.

L'enseignant corrige une note à la main dans ``OUT/ajustements.csv`` (colonnes
``student_id``, ``exercice``, ``points``, ``motif``) ; la correction suivante avec le même
OUT l'applique à ``notes.csv``, ``moodle.csv`` et au retour de l'étudiant. ``points`` est
la note de l'exercice APRÈS ajustement (pas un écart) : ``Élodie Martin,ex3,3,calcul juste``
met l'exercice 3 à 3 points quelle que soit la note automatique. Une ligne sans points
(``Élodie Martin,ex3,,à revoir`` ou ``Élodie Martin,,,très bon travail``) est un
commentaire : il apparaît en tête du retour de l'étudiant, sans changer sa note. Le
fichier n'est qu'une entrée : il est créé vide (en-tête seul) s'il n'existe pas, jamais
réécrit ensuite.

Enregistré par Excel en français, le fichier est accepté tel quel : séparateur « ; »
(reconnu à l'en-tête), virgule décimale, encodage Windows-1252, colonnes vides en fin de
ligne. Une ligne invalide (étudiant ou exercice inconnu, points non numériques, négatifs
ou au-dessus du maximum, guillemet non refermé, virgule décimale non protégée dans un
fichier séparé par des virgules) est signalée en français avec son numéro et ignorée ;
les autres lignes s'appliquent normalement. Chaque ligne du fichier est lue seule : un
guillemet oublié n'avale jamais les lignes suivantes.
"""
import csv
import difflib
import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.correction.sorties.archives import ecrire_atomique

ENTETE = ["student_id", "exercice", "points", "motif"]
NOM_FICHIER = "ajustements.csv"
#: Séparateurs reconnus à l'en-tête, et leur nom pour les messages.
SEPARATEURS = {",": "virgule", ";": "point-virgule", "\t": "tabulation"}


def _fr(x: float) -> str:
    """Nombre à la française : ``2.5`` -> ``2,5``, ``3.0`` -> ``3``."""
    return f"{x:g}".replace(".", ",")


@dataclass(frozen=True)
class Ajustement:
    """Une ligne valide : l'exercice ``exercice`` de ``student_id`` vaut ``points``."""
    student_id: str
    exercice: str
    points: float
    motif: str
    ligne: int


@dataclass(frozen=True)
class Commentaire:
    """Une ligne sans points : un commentaire pour l'étudiant (``exercice`` peut être vide)."""
    student_id: str
    exercice: str
    texte: str
    ligne: int

    def texte_affiche(self):
        return f"{self.exercice}\u00a0: {self.texte}" if self.exercice else self.texte


def _lieu(ligne: int) -> str:
    """« ajustements.csv, ligne 3 », ou le fichier seul (ligne 0 : le fichier entier)."""
    return f"{NOM_FICHIER}, ligne {ligne}" if ligne else NOM_FICHIER


@dataclass(frozen=True)
class LigneIgnoree:
    """Une ligne invalide du fichier (ou le fichier entier), avec la raison (en français)."""
    ligne: int
    raison: str
    portee: str = "ligne ignorée"

    def __str__(self):
        return f"{_lieu(self.ligne)}\u00a0: {self.raison} — {self.portee}"


@dataclass(frozen=True)
class Avertissement:
    """Une ligne appliquée, mais lue autrement qu'écrite (ou une remarque sur le fichier)."""
    ligne: int
    texte: str

    def __str__(self):
        return f"{_lieu(self.ligne)}\u00a0: {self.texte}"


@dataclass(frozen=True)
class Modification:
    """Ce qui a changé la note d'un exercice après la correction automatique (pour les retours)."""
    student_id: str
    exercice: str
    avant: float
    apres: float
    maximum: float
    motif: str

    def texte(self):
        return (f"{self.exercice}\u00a0: {_fr(self.avant)} → {_fr(self.apres)} / {_fr(self.maximum)} point(s)"
                + (f" ({self.motif})" if self.motif else ""))


@dataclass(frozen=True)
class LectureAjustements:
    ajustements: list
    ignorees: list
    commentaires: list = field(default_factory=list)
    avertissements: list = field(default_factory=list)

    def messages(self):
        """Tout ce qu'il faut dire à l'enseignant, dans l'ordre des lignes du fichier."""
        return [str(m) for m in sorted([*self.ignorees, *self.avertissements], key=lambda m: m.ligne)]


def creer_si_absent(sortie: Path) -> Path:
    """Crée ``sortie/ajustements.csv`` (en-tête seul) s'il n'existe pas ; ne le réécrit jamais."""
    chemin = Path(sortie) / NOM_FICHIER
    if not chemin.exists():
        chemin.parent.mkdir(parents=True, exist_ok=True)
        with open(chemin, "x", encoding="utf-8", newline="") as fichier:
            csv.writer(fichier, lineterminator="\n").writerow(ENTETE)
    return chemin


def _nombre(texte):
    try:
        valeur = float(texte.strip().replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return None
    return valeur if math.isfinite(valeur) else None


def _cellules(brute, separateur):
    """Cellules d'une ligne (sans les cellules vides de fin qu'ajoute Excel) ; ``csv.Error`` sinon."""
    cellules = next(csv.reader([brute], delimiter=separateur, strict=True), [])
    while cellules and not cellules[-1].strip():
        cellules.pop()
    return cellules


def _separateur(entete):
    """Le séparateur qui fait de ``entete`` l'en-tête attendu ; sinon ``(None, cause)``."""
    for separateur in SEPARATEURS:
        try:
            if [c.strip() for c in _cellules(entete, separateur)[:4]] == ENTETE:
                return separateur, ""
        except csv.Error:
            continue
    manquantes = [nom for nom in ENTETE if nom not in entete]
    if not manquantes:
        autre = sorted({c for c in re.sub(r"student_id|exercice|points|motif", "", entete) if not c.isspace()})
        return None, (f"séparateur « {''.join(autre) or ' '} » non reconnu (séparateurs acceptés\u00a0: "
                      f"{', '.join(SEPARATEURS.values())}) ou colonnes dans le désordre")
    return None, f"colonne(s) absente(s) de l'en-tête\u00a0: {', '.join(manquantes)}"


_ENTIER = re.compile(r"\s*-?\d+\s*")
_CHIFFRES = re.compile(r"\d+")


def _erreur_csv(brute):
    if brute.count('"') % 2:
        return ("guillemet ouvert et jamais refermé sur cette ligne (un champ, motif compris, ne peut pas "
                "contenir de retour à la ligne)")
    return "guillemets mal placés\u00a0: un champ entre guillemets doit être suivi du séparateur"


def _lire_ligne(numero, cellules, separateur, *, etudiants, bareme, sortie):
    """Range la ligne ``numero`` (déjà découpée) dans ``sortie`` (dict de listes)."""
    def ignorer(raison):
        sortie["ignorees"].append(LigneIgnoree(numero, raison))

    if len(cellules) < 3:
        return ignorer("il faut au moins student_id, exercice et points (ou un motif pour un commentaire)")
    etudiant, exercice, points = (c.strip() for c in cellules[:3])
    if separateur == "," and len(cellules) >= 4 and _ENTIER.fullmatch(points) and _CHIFFRES.fullmatch(cellules[3]):
        return ignorer(f"« {points},{cellules[3]} »\u00a0: virgule décimale dans un fichier séparé par des "
                       f"virgules\u00a0: écrivez {points}.{cellules[3]}, ou \"{points},{cellules[3]}\" entre "
                       "guillemets (Excel en français\u00a0: enregistrez en CSV séparateur point-virgule)")
    motif = separateur.join(cellules[3:]).strip()
    if len(cellules) > 4:
        sortie["avertissements"].append(Avertissement(numero, (
            f"{len(cellules)} colonnes au lieu de 4\u00a0: le motif contient le séparateur "
            f"({SEPARATEURS[separateur]}), lu comme « {motif} » — ligne appliquée (mettez le motif entre "
            "guillemets pour ne plus voir ce message)")))
    if etudiant not in etudiants:
        proches = difflib.get_close_matches(etudiant, sorted(etudiants), n=3)
        return ignorer(f"étudiant inconnu « {etudiant} »"
                       + (f" (vouliez-vous dire\u00a0: {', '.join(proches)}\u202f?)" if proches else ""))
    if exercice and exercice not in bareme:
        return ignorer(f"exercice inconnu « {exercice} » (exercices\u00a0: {', '.join(bareme)})")
    if points and not exercice:
        return ignorer(f"exercice manquant pour {points} point(s) (exercices\u00a0: {', '.join(bareme)})")
    if not points:
        if not motif:
            return ignorer("ni points ni motif (une ligne sans points est un commentaire\u00a0: écrivez-le "
                           "dans la colonne motif)")
        sortie["commentaires"].append(Commentaire(etudiant, exercice, motif, numero))
        return None
    valeur = _nombre(points)
    if valeur is None:
        return ignorer(f"points non numériques « {points} »")
    if not 0 <= valeur <= bareme[exercice]:
        return ignorer(f"{_fr(valeur)} point(s) hors de l'intervalle 0 à {_fr(bareme[exercice])} de "
                       f"l'exercice {exercice}")
    sortie["valides"][(etudiant, exercice)] = Ajustement(etudiant, exercice, valeur, motif, numero)
    return None


def analyser(texte: str, *, etudiants, bareme) -> LectureAjustements:
    """Lit le contenu d'ajustements.csv ; ``bareme`` : exercice -> maximum.

    Le séparateur (virgule, point-virgule ou tabulation) est celui qui fait de la première
    ligne l'en-tête attendu. Chaque ligne est lue seule. Pour un même étudiant et un même
    exercice, la dernière ligne valide l'emporte ; les commentaires s'ajoutent tous.
    """
    etudiants = set(etudiants)
    lignes = re.split(r"\r\n|\r|\n", texte.lstrip("\ufeff"))
    if not any(ligne.strip() for ligne in lignes):
        return LectureAjustements([], [])
    separateur, cause = _separateur(lignes[0])
    if separateur is None:
        return LectureAjustements([], [LigneIgnoree(
            1, f"en-tête attendu « {','.join(ENTETE)} » (ou séparé par des points-virgules), trouvé "
               f"« {lignes[0].strip()} »\u00a0: {cause}", "fichier entier ignoré, aucun ajustement appliqué")])
    sortie = {"valides": {}, "ignorees": [], "commentaires": [], "avertissements": []}
    for numero, brute in enumerate(lignes[1:], start=2):
        if not brute.strip():
            continue
        try:
            cellules = _cellules(brute, separateur)
        except csv.Error:
            sortie["ignorees"].append(LigneIgnoree(numero, _erreur_csv(brute)))
            continue
        if cellules:
            _lire_ligne(numero, cellules, separateur, etudiants=etudiants, bareme=bareme, sortie=sortie)
    return LectureAjustements(sorted(sortie["valides"].values(), key=lambda a: a.ligne), sortie["ignorees"],
                              sortie["commentaires"], sortie["avertissements"])


def lire(chemin: Path, *, etudiants, bareme) -> LectureAjustements:
    """Comme ``analyser``, sur le fichier ``chemin`` (absent : aucun ajustement).

    UTF-8 (avec ou sans BOM) ou, à défaut, Windows-1252 (Excel en français, « CSV séparateur
    point-virgule »), ce qui est alors dit.
    """
    chemin = Path(chemin)
    if not chemin.exists():
        return LectureAjustements([], [])
    try:
        donnees = chemin.read_bytes()
    except OSError as erreur:
        return LectureAjustements([], [LigneIgnoree(0, f"fichier illisible ({erreur.strerror})",
                                                    "aucun ajustement appliqué")])
    remarques = []
    try:
        texte = donnees.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            texte = donnees.decode("cp1252")
        except UnicodeDecodeError:
            return LectureAjustements([], [LigneIgnoree(
                0, "fichier illisible (ni UTF-8 ni Windows-1252)\u00a0: enregistrez-le en « CSV UTF-8 »",
                "aucun ajustement appliqué")])
        remarques.append(Avertissement(0, "pas en UTF-8\u00a0: lu en Windows-1252 (enregistrement Excel)"))
    lecture = analyser(texte, etudiants=etudiants, bareme=bareme)
    return LectureAjustements(lecture.ajustements, lecture.ignorees, lecture.commentaires,
                              [*remarques, *lecture.avertissements])


def _statut(statut, modifications):
    ajout = "ajusté à la main\u00a0: " + "\u202f; ".join(m.texte() for m in modifications)
    return ajout if statut == "ok" else f"{statut}\u202f; {ajout}"


def appliquer(lignes, ajustements, *, bareme, autres_modifications=()):
    """Lignes de notes.csv après ajustements ; renvoie ``(lignes, modifications)``.

    ``lignes`` : dicts de ``ligne_de_note`` (non modifiés : on renvoie des copies). Les
    ``autres_modifications`` (notes saisies dans formgrader, déjà comptées dans les points)
    sont seulement ajoutées au statut. Total et note sur 20 sont recalculés. Les
    commentaires (lignes sans points) ne changent pas les notes : voir ``marquer_retour``.
    """
    maximum = sum(bareme.values())
    par_etudiant = {}
    for ajustement in ajustements:
        par_etudiant.setdefault(ajustement.student_id, []).append(ajustement)
    resultat, modifications = [], []
    for ligne in lignes:
        ligne = dict(ligne)
        etudiant = ligne["student_id"]
        siennes = [m for m in autres_modifications if m.student_id == etudiant]
        for ajustement in par_etudiant.get(etudiant, []):
            avant = float(ligne[ajustement.exercice])
            ligne[ajustement.exercice] = ajustement.points
            siennes.append(Modification(etudiant, ajustement.exercice, avant, ajustement.points,
                                        bareme[ajustement.exercice], ajustement.motif))
        if siennes:
            ligne["total"] = sum(float(ligne[ex]) for ex in bareme)
            ligne["note_sur_20"] = round(20 * ligne["total"] / maximum, 2)
            ligne["statut"] = _statut(ligne["statut"], siennes)
            modifications.extend(siennes)
        resultat.append(ligne)
    return resultat, modifications


def choisir_etudiant(etudiants, demande: str) -> str:
    """L'étudiant ``demande`` parmi ``etudiants`` ; sinon ``ValueError`` (message français)."""
    etudiants = sorted(etudiants)
    if demande in etudiants:
        return demande
    proches = difflib.get_close_matches(demande, etudiants, n=5, cutoff=0.5)
    proches += [e for e in etudiants if demande.casefold() in e.casefold() and e not in proches]
    suggestion = (f" Identifiants proches : {', '.join(proches[:5])}." if proches
                  else f" Identifiants connus : {', '.join(etudiants[:10])}{' …' if len(etudiants) > 10 else ''}.")
    raise ValueError(f"Étudiant inconnu : « {demande} » (aucune remise à ce nom).{suggestion}")


DEBUT_BLOC, FIN_BLOC = "<!-- ajustements-enseignant-debut -->", "<!-- ajustements-enseignant-fin -->"
#: Style de l'encadré : du CSS, en ASCII (jamais d'espace insécable dans le code).
STYLE_BLOC = ("border: 2px solid #e07b39; background: #fff6ee; padding: 0.6em 1em; "
              "margin: 1em auto; max-width: 60em; font-family: sans-serif")


def _bloc(modifications, note_sur_20, commentaires=()):
    parties = []
    if modifications:
        items = "".join(f"<li>{html.escape(m.texte(), quote=False)}</li>" for m in modifications)
        parties.append(f"<strong>Note modifiée par votre enseignant\u00a0: {_fr(note_sur_20)}\u00a0/\u00a020.</strong> "
                       f"Les points affichés plus bas sont ceux de la correction automatique\u202f; "
                       f"ces exercices ont été revus à la main\u00a0:<ul>{items}</ul>")
    if commentaires:
        items = "".join(f"<li>{html.escape(c.texte_affiche(), quote=False)}</li>" for c in commentaires)
        parties.append(f"<strong>Commentaire{'s' if len(commentaires) > 1 else ''} de votre "
                       f"enseignant\u00a0:</strong><ul>{items}</ul>")
    return f'{DEBUT_BLOC}<div style="{STYLE_BLOC}">{"".join(parties)}</div>{FIN_BLOC}'


def marquer_retour(chemin: Path, modifications, note_sur_20: float, commentaires=()) -> bool:
    """Insère (ou retire, sans modification ni commentaire) l'encadré de l'enseignant en tête du retour HTML.

    L'encadré dit les exercices revus à la main (``modifications``) et les commentaires
    (lignes sans points d'ajustements.csv). Idempotent : l'encadré précédent est toujours
    remplacé. Renvoie True si le fichier a changé.
    """
    try:
        texte = Path(chemin).read_text(encoding="utf-8")
    except OSError:  # absent, ou nom trop long pour le système de fichiers
        return False
    debut, fin = texte.find(DEBUT_BLOC), texte.find(FIN_BLOC)
    propre = texte[:debut] + texte[fin + len(FIN_BLOC):] if 0 <= debut < fin else texte
    nouveau = propre
    if modifications or commentaires:
        corps = re.search(r"<body[^>]*>", propre, flags=re.IGNORECASE)
        position = corps.end() if corps else 0
        nouveau = propre[:position] + _bloc(modifications, note_sur_20, commentaires) + propre[position:]
    if nouveau == texte:
        return False
    ecrire_atomique(chemin, nouveau)
    return True
