"""Rapports de la correction : résumé au terminal, resume.png, page de retour sans notebook."""
import html
import statistics

from autograder.bareme import bareme
from autograder.correction.sorties.rapport_classe import _fr


def resume(lignes):
    """Résumé (dict) : nombre de copies, moyenne, médiane, réussite par exercice."""
    maxima = bareme()
    notes = [ligne["note_sur_20"] for ligne in lignes]
    return {
        "nombre": len(lignes),
        "moyenne": statistics.fmean(notes) if notes else float("nan"),
        "mediane": statistics.median(notes) if notes else float("nan"),
        "reussite": {ex: (sum(ligne[ex] >= maxima[ex] - 1e-9 for ligne in lignes) / len(lignes) if lignes else 0.0)
                     for ex in maxima},
        "problemes": sum(ligne["statut"] != "ok" for ligne in lignes),
    }


def texte_resume(stats):
    lignes = [
        f"Copies notées : {stats['nombre']} (dont {stats['problemes']} avec une remarque dans « statut »)",
        f"Moyenne : {_fr(stats['moyenne'], '.2f')} / 20 — médiane : {_fr(stats['mediane'], '.2f')} / 20",
        "Réussite complète par exercice : " + ", ".join(
            f"{ex} {100 * taux:.0f} %" for ex, taux in stats["reussite"].items()),
    ]
    return "\n".join(lignes)


def figure_resume(lignes, chemin):
    """resume.png : histogramme des notes et taux de réussite par exercice."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    stats = resume(lignes)
    figure, (gauche, droite) = plt.subplots(1, 2, figsize=(11, 4))
    gauche.hist([ligne["note_sur_20"] for ligne in lignes], bins=range(0, 22), color="#3b75af", edgecolor="white")
    gauche.set(title=f"Notes sur 20 ({stats['nombre']} copies, moyenne {_fr(stats['moyenne'], '.1f')})",
               xlabel="note sur 20", ylabel="nombre d'étudiants", xlim=(0, 21))
    gauche.yaxis.set_major_locator(MaxNLocator(integer=True))  # on compte des étudiants : 0, 1, 2…
    exercices = list(stats["reussite"])
    droite.bar(exercices, [100 * stats["reussite"][e] for e in exercices], color="#e07b39")
    droite.set(title="Exercices réussis (tous les points)", ylabel="% des étudiants", ylim=(0, 100))
    figure.tight_layout()
    figure.savefig(chemin, dpi=100)
    plt.close(figure)


def page_sans_notebook(etudiant, statut, note=0.0):
    """Retour HTML quand il n'y a pas de notebook corrigé à montrer (remise illisible…).

    Mêmes balises « retour-nom » et « retour-note » que les autres retours (``retour.nommer_retour``)."""
    note_fr = f"{round(float(note), 2):g}".replace(".", ",")
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>TP « Modèles de diffusion » — {html.escape(etudiant)}</title></head>
<body style="font-family: sans-serif; max-width: 50em; margin: 2em auto">
<h1>TP « Modèles de diffusion » <span class="retour-nom">{html.escape(etudiant)}</span></h1>
<p><strong><span class="retour-note">Note : {note_fr} / 20</span>.</strong>
Le détail de votre remise n'a pas pu être affiché :</p>
<p>{html.escape(statut)}</p>
<p>Vérifiez que vous avez rendu le fichier <code>.ipynb</code> téléchargé depuis Colab
(<em>Fichier › Télécharger › Télécharger le fichier .ipynb</em>) et parlez-en à votre enseignant.</p>
</body></html>
"""
