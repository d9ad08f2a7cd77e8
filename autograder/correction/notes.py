"""Notes d'une classe : une ligne par étudiant, notes.csv et moodle.csv, sans formule de tableur."""
import csv
import io

from autograder.bareme import bareme, points_par_exercice
from autograder.correction.archives import DossierSortie, ecrire_atomique
from autograder.correction.rapport import figure_resume, resume, texte_resume

COLONNES_FIN = ["total", "note_sur_20", "statut"]


def ligne_de_note(etudiant, resultat, remarques=()):
    """Ligne de notes.csv pour un étudiant à partir du résultat d'une copie (``copie.noter``)."""
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
    }


def _nombre(x):
    return f"{x:g}"


def _cellule_sure(texte):
    """Neutralise une formule de tableur (=, +, -, @ en tête) venue d'un nom de fichier."""
    return "'" + texte if isinstance(texte, str) and texte[:1] in ("=", "+", "-", "@") else texte


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
    """CSV pour l'import de notes de Moodle (Carnet de notes › Importer › Fichier CSV).

    Colonnes : ``identifiant`` (à associer au champ utilisateur qui porte l'identifiant de
    l'étudiant, p. ex. « Nom d'utilisateur » ou « Numéro d'identification »), la note sur 20
    (à associer à l'élément d'évaluation) et ``commentaire`` (à associer à son feed-back).
    Séparateur virgule, point décimal, UTF-8 : les réglages par défaut de l'import Moodle.
    """
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, lineterminator="\n")
    ecrivain.writerow(["identifiant", colonne_note, "commentaire"])
    for ligne in sorted(lignes, key=lambda lg: lg["student_id"]):
        ecrivain.writerow([_cellule_sure(ligne["student_id"]), f"{ligne['note_sur_20']:.2f}",
                           _cellule_sure(ligne["statut"])])
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
