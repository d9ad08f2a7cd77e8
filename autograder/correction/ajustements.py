"""Ajustements manuels des notes (``OUT/ajustements.csv``) et choix d'un seul étudiant.

L'enseignant corrige une note à la main dans ``OUT/ajustements.csv`` (colonnes
``student_id``, ``exercice``, ``points``, ``motif``) ; la correction suivante avec le même
OUT l'applique à ``notes.csv``, ``moodle.csv`` et au retour de l'étudiant. ``points`` est
la note de l'exercice APRÈS ajustement (pas un écart) : ``Élodie Martin,ex3,3,calcul juste``
met l'exercice 3 à 3 points quelle que soit la note automatique. Le fichier n'est qu'une
entrée : il est créé vide (en-tête seul) s'il n'existe pas, jamais réécrit ensuite.

Une ligne invalide (étudiant ou exercice inconnu, points non numériques, négatifs ou
au-dessus du maximum de l'exercice) est signalée en français avec son numéro et ignorée ;
les autres lignes s'appliquent normalement.
"""
import csv
import difflib
import html
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.correction.archives import ecrire_atomique

ENTETE = ["student_id", "exercice", "points", "motif"]
NOM_FICHIER = "ajustements.csv"


@dataclass(frozen=True)
class Ajustement:
    """Une ligne valide : l'exercice ``exercice`` de ``student_id`` vaut ``points``."""
    student_id: str
    exercice: str
    points: float
    motif: str
    ligne: int


@dataclass(frozen=True)
class LigneIgnoree:
    """Une ligne invalide du fichier, avec la raison (en français)."""
    ligne: int
    raison: str

    def __str__(self):
        return f"{NOM_FICHIER}, ligne {self.ligne} : {self.raison} — ligne ignorée"


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
        return (f"{self.exercice} : {self.avant:g} → {self.apres:g} / {self.maximum:g} point(s)"
                + (f" ({self.motif})" if self.motif else ""))


@dataclass(frozen=True)
class LectureAjustements:
    ajustements: list
    ignorees: list


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
        valeur = float(texte.strip().replace(",", "."))
    except ValueError:
        return None
    return valeur if math.isfinite(valeur) else None


def analyser(texte: str, *, etudiants, bareme) -> LectureAjustements:
    """Lit le contenu d'ajustements.csv ; ``bareme`` : exercice -> maximum.

    Pour un même étudiant et un même exercice, la dernière ligne valide l'emporte.
    """
    etudiants = set(etudiants)
    lecteur = csv.reader(io.StringIO(texte.lstrip("\ufeff")))
    valides, ignorees = {}, []
    entete = next(lecteur, None)
    if entete is None:
        return LectureAjustements([], [])
    if [c.strip() for c in entete[:4]] != ENTETE:
        return LectureAjustements([], [LigneIgnoree(1, "en-tête attendu « " + ",".join(ENTETE)
                                                    + " » : fichier entier ignoré")])
    for cellules in lecteur:
        numero = lecteur.line_num
        if not any(c.strip() for c in cellules):
            continue
        if len(cellules) < 3:
            ignorees.append(LigneIgnoree(numero, "il faut au moins student_id, exercice et points"))
            continue
        etudiant, exercice, points = (c.strip() for c in cellules[:3])
        motif = ",".join(cellules[3:]).strip()
        valeur = _nombre(points)
        if etudiant not in etudiants:
            proches = difflib.get_close_matches(etudiant, sorted(etudiants), n=3)
            ignorees.append(LigneIgnoree(numero, f"étudiant inconnu « {etudiant} »"
                                         + (f" (vouliez-vous dire : {', '.join(proches)} ?)" if proches else "")))
        elif exercice not in bareme:
            ignorees.append(LigneIgnoree(numero, f"exercice inconnu « {exercice} » (exercices : "
                                         f"{', '.join(bareme)})"))
        elif valeur is None:
            ignorees.append(LigneIgnoree(numero, f"points non numériques « {points} »"))
        elif not 0 <= valeur <= bareme[exercice]:
            ignorees.append(LigneIgnoree(numero, f"{valeur:g} point(s) hors de l'intervalle 0 à "
                                         f"{bareme[exercice]:g} de l'exercice {exercice}"))
        else:
            valides[(etudiant, exercice)] = Ajustement(etudiant, exercice, valeur, motif, numero)
    return LectureAjustements(sorted(valides.values(), key=lambda a: a.ligne), ignorees)


def lire(chemin: Path, *, etudiants, bareme) -> LectureAjustements:
    """Comme ``analyser``, sur le fichier ``chemin`` (absent : aucun ajustement)."""
    chemin = Path(chemin)
    if not chemin.exists():
        return LectureAjustements([], [])
    try:
        texte = chemin.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as erreur:
        return LectureAjustements([], [LigneIgnoree(0, f"fichier illisible ({erreur}) : aucun ajustement appliqué")])
    return analyser(texte, etudiants=etudiants, bareme=bareme)


def _statut(statut, modifications):
    ajout = "ajusté à la main : " + "\u202f; ".join(m.texte() for m in modifications)
    return ajout if statut == "ok" else f"{statut} ; {ajout}"


def appliquer(lignes, ajustements, *, bareme, autres_modifications=()):
    """Lignes de notes.csv après ajustements ; renvoie ``(lignes, modifications)``.

    ``lignes`` : dicts de ``ligne_de_note`` (non modifiés : on renvoie des copies). Les
    ``autres_modifications`` (notes saisies dans formgrader, déjà comptées dans les points)
    sont seulement ajoutées au statut. Total et note sur 20 sont recalculés.
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


def _bloc(modifications, note_sur_20):
    items = "".join(f"<li>{html.escape(m.texte(), quote=False)}</li>" for m in modifications)
    return (f'{DEBUT_BLOC}<div style="border: 2px solid #e07b39; background: #fff6ee; padding: 0.6em 1em; '
            f'margin: 1em auto ; max-width : 60em ; font-family : sans-serif">'
            f"<strong>Note modifiée par votre enseignant\u00a0: {note_sur_20:g}\u00a0/\u00a020.</strong> "
            f"Les points affichés plus bas sont ceux de la correction automatique\u202f; "
            f"ces exercices ont été revus à la main\u00a0:<ul>{items}</ul></div>{FIN_BLOC}")


def marquer_retour(chemin: Path, modifications, note_sur_20: float) -> bool:
    """Insère (ou retire, sans modification) l'encadré des ajustements en tête du retour HTML.

    Idempotent : l'encadré précédent est toujours remplacé. Renvoie True si le fichier a changé.
    """
    chemin = Path(chemin)
    if not chemin.exists():
        return False
    texte = chemin.read_text(encoding="utf-8")
    debut, fin = texte.find(DEBUT_BLOC), texte.find(FIN_BLOC)
    propre = texte[:debut] + texte[fin + len(FIN_BLOC):] if 0 <= debut < fin else texte
    nouveau = propre
    if modifications:
        corps = re.search(r"<body[^>]*>", propre, flags=re.IGNORECASE)
        position = corps.end() if corps else 0
        nouveau = propre[:position] + _bloc(modifications, note_sur_20) + propre[position:]
    if nouveau == texte:
        return False
    ecrire_atomique(chemin, nouveau)
    return True
