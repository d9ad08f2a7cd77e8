"""Notes d'une classe : une ligne par étudiant, notes.csv et moodle.csv, sans formule de tableur."""
import csv
import io
import re

from autograder.bareme import bareme, points_par_exercice
from autograder.correction.sorties.archives import DossierSortie, ecrire_atomique
from autograder.correction.sorties.rapport import figure_resume, resume, texte_resume

COLONNES_FIN = ["total", "note_sur_20", "statut", "signalements"]


def ligne_de_note(etudiant, resultat, remarques=()):
    """Ligne de notes.csv pour un étudiant à partir du résultat d'une copie (``remise.noter``)."""
    points = points_par_exercice(resultat.get("scores", {}))
    total = sum(points.values())
    maximum = sum(bareme().values())
    messages = [*remarques, *resultat.get("remarques", [])]
    if resultat.get("erreur"):
        messages.append(resultat["erreur"])
    return {
        "student_id": etudiant,
        **points,
        "total": total,
        "note_sur_20": round(20 * total / maximum, 2),
        "statut": "ok" if not messages else "\u202f; ".join(messages),
        # Code qui touche à l'interpréteur ou aux bibliothèques des tests (signalements.py) :
        # une raison de regarder, pas un verdict (la note n'en dépend pas).
        "signalements": " | ".join(texte_signalement(s) for s in resultat.get("signalements", [])),
    }


def texte_signalement(signalement: dict) -> str:
    """« ex1_reponse, ligne 3 : … » pour un signalement de ``remise.noter``."""
    return f"{signalement['cellule']}, ligne {signalement['ligne']}\u00a0: {signalement['raison']}"


def _nombre(x):
    return f"{x:g}"


def _fr(x):
    """Nombre à la française (``19.5`` -> ``19,5``)."""
    return f"{float(x):g}".replace(".", ",")


#: Début d'une cellule pour un tableur, quel que soit le séparateur qu'il choisit à
#: l'ouverture (virgule, point-virgule, tabulation, barre, espace) ou une fin de ligne,
#: suivi (après d'éventuels blancs) d'un signe qui lance une formule.
_FORMULE = re.compile(r"(^|[,;\t| \r\n])([ \t]*)(?=[=+\-@])")


def cellule_sure(texte):
    """Neutralise toute formule de tableur venue d'un nom de fichier ou d'un message.

    Une apostrophe précède chaque =, +, - ou @ placé en tête du texte ou juste après un
    caractère qu'un tableur peut prendre pour séparateur : ``Mallory;=1+1;x`` devient
    ``Mallory;'=1+1;x``, sûr lu avec des virgules comme avec des points-virgules.
    """
    if not isinstance(texte, str):
        return texte
    return _FORMULE.sub(lambda m: m[1] + m[2] + "'", texte)


_cellule_sure = cellule_sure  # ancien nom


def commentaire_court(ligne, bareme_=None):
    """Résumé en français pour l'étudiant : note, points par exercice, statut.

    Pour le commentaire de Moodle (feuille d'évaluation hors ligne, ``moodle.csv``) : une
    ligne, sans « ok ». ``ligne`` : une ligne de notes.csv (dict, nombres ou textes).
    """
    maxima = bareme_ or bareme()
    exercices = ", ".join(f"{ex} {_fr(ligne[ex])}/{_fr(maximum)}" for ex, maximum in maxima.items() if ex in ligne)
    texte = f"Note\u00a0: {_fr(ligne['note_sur_20'])}/20. Points par exercice\u00a0: {exercices}."
    statut = str(ligne.get("statut", "ok")).strip()
    if statut and statut != "ok":
        texte += f" Remarque\u00a0: {statut}."
    return texte + " Le détail est dans le retour joint (retour_tp_diffusion.html)."


def lignes_notes(lignes):
    """Texte CSV de notes.csv ; ``lignes`` : dicts avec student_id, ex1..exN, total, note_sur_20, statut."""
    colonnes = ["student_id", *bareme(), *COLONNES_FIN]
    tampon = io.StringIO()
    ecrivain = csv.DictWriter(tampon, fieldnames=colonnes, lineterminator="\n")
    ecrivain.writeheader()
    for ligne in sorted(lignes, key=lambda lg: lg["student_id"]):
        ecrivain.writerow({k: (_nombre(v) if isinstance(v, float) else _cellule_sure(v))
                           for k, v in ligne.items() if k in colonnes})
    return tampon.getvalue()


def texte_moodle(lignes, colonne_note="TP diffusion"):
    """CSV pour l'import de notes du carnet de Moodle (Carnet de notes › Importer › Fichier CSV).

    Colonnes : ``identifiant`` (à associer au champ utilisateur qui porte l'identifiant de
    l'étudiant, p. ex. « Nom d'utilisateur » ou « Numéro d'identification » : utilisable
    seulement si les remises sont nommées ainsi), la note sur 20 (à associer à l'élément
    d'évaluation) et ``commentaire`` (le résumé de ``commentaire_court``, à associer à son
    feed-back). Séparateur virgule, point décimal, UTF-8 : les réglages par défaut de
    l'import Moodle. Remises téléchargées d'un devoir Moodle (noms complets, pas
    d'identifiant) : remplir plutôt la feuille d'évaluation hors ligne (``fiche_moodle.py``).
    """
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, lineterminator="\n")
    ecrivain.writerow(["identifiant", colonne_note, "commentaire"])
    for ligne in sorted(lignes, key=lambda lg: lg["student_id"]):
        ecrivain.writerow([_cellule_sure(ligne["student_id"]), f"{ligne['note_sur_20']:.2f}",
                           _cellule_sure(commentaire_court(ligne))])
    return tampon.getvalue()


def ecrire_sorties(lignes, dossier: DossierSortie, dire=print):
    """Écrit notes.csv (l'ancien, s'il diffère, est archivé), moodle.csv et resume.png."""
    notes = dossier.racine / "notes.csv"
    nouveau = lignes_notes(lignes)
    if notes.exists() and notes.read_text(encoding="utf-8") != nouveau:
        ancien = dossier.archiver(notes)
        dire(f"Ancien notes.csv archivé : {ancien.relative_to(dossier.racine)}")
    ecrire_atomique(notes, nouveau)
    ecrire_atomique(dossier.racine / "moodle.csv", texte_moodle(lignes))
    if lignes:
        figure_resume(lignes, dossier.racine / "resume.png")
        dire(texte_resume(resume(lignes)))
    dire(f"Résultats : {notes}")
