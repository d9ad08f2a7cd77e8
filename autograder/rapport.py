"""Sorties de la correction : notes.csv, moodle.csv, résumé au terminal et resume.png."""
import csv
import html
import io
import os
import statistics
from pathlib import Path

from autograder.bareme import bareme

COLONNES_FIN = ["total", "note_sur_20", "statut"]


def ecrire_atomique(chemin, texte):
    """Écrit ``texte`` dans ``chemin`` d'un seul coup (fichier temporaire puis renommage)."""
    chemin = Path(chemin)
    temporaire = chemin.with_name(f".{chemin.name}.tmp")
    with open(temporaire, "w", encoding="utf-8", newline="") as fichier:
        fichier.write(texte)
        fichier.flush()
        os.fsync(fichier.fileno())
    os.replace(temporaire, chemin)


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
    for ligne in sorted(lignes, key=lambda l: l["student_id"]):
        ecrivain.writerow({k: (_nombre(v) if isinstance(v, float) else _cellule_sure(v)) for k, v in ligne.items() if k in colonnes})
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
    for ligne in sorted(lignes, key=lambda l: l["student_id"]):
        ecrivain.writerow([_cellule_sure(ligne["student_id"]), f"{ligne['note_sur_20']:.2f}", _cellule_sure(ligne["statut"])])
    return tampon.getvalue()


def resume(lignes):
    """Résumé (dict) : nombre de copies, moyenne, médiane, réussite par exercice."""
    maxima = bareme()
    notes = [l["note_sur_20"] for l in lignes]
    return {
        "nombre": len(lignes),
        "moyenne": statistics.fmean(notes) if notes else float("nan"),
        "mediane": statistics.median(notes) if notes else float("nan"),
        "reussite": {ex: (sum(l[ex] >= maxima[ex] - 1e-9 for l in lignes) / len(lignes) if lignes else 0.0)
                     for ex in maxima},
        "problemes": sum(l["statut"] != "ok" for l in lignes),
    }


def texte_resume(stats):
    lignes = [
        f"Copies notées : {stats['nombre']} (dont {stats['problemes']} avec une remarque dans « statut »)",
        f"Moyenne : {stats['moyenne']:.2f} / 20 — médiane : {stats['mediane']:.2f} / 20",
        "Réussite complète par exercice : " + ", ".join(
            f"{ex} {100 * taux:.0f} %" for ex, taux in stats["reussite"].items()),
    ]
    return "\n".join(lignes)


def figure_resume(lignes, chemin):
    """resume.png : histogramme des notes et taux de réussite par exercice."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stats = resume(lignes)
    figure, (gauche, droite) = plt.subplots(1, 2, figsize=(11, 4))
    gauche.hist([l["note_sur_20"] for l in lignes], bins=range(0, 22), color="#3b75af", edgecolor="white")
    gauche.set(title=f"Notes sur 20 ({stats['nombre']} copies, moyenne {stats['moyenne']:.1f})",
               xlabel="note sur 20", ylabel="nombre d'étudiants", xlim=(0, 21))
    exercices = list(stats["reussite"])
    droite.bar(exercices, [100 * stats["reussite"][e] for e in exercices], color="#e07b39")
    droite.set(title="Exercices réussis (tous les points)", ylabel="% des étudiants", ylim=(0, 100))
    figure.tight_layout()
    figure.savefig(chemin, dpi=100)
    plt.close(figure)


def page_sans_notebook(etudiant, statut, note=0.0):
    """Retour HTML quand il n'y a pas de notebook corrigé à montrer (remise illisible…)."""
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>TP diffusion — {html.escape(etudiant)}</title></head>
<body style="font-family: sans-serif; max-width: 50em; margin: 2em auto">
<h1>TP « Modèles de diffusion » : {html.escape(etudiant)}</h1>
<p><strong>Note : {note:g} / 20.</strong> Le détail de votre remise n'a pas pu être affiché :</p>
<p>{html.escape(statut)}</p>
<p>Vérifiez que vous avez rendu le fichier <code>.ipynb</code> téléchargé depuis Colab
(<em>Fichier › Télécharger › Télécharger le fichier .ipynb</em>) et parlez-en à votre enseignant.</p>
</body></html>
"""
