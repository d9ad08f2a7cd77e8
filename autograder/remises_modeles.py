"""Remises modèles, pour les tests et les bancs d'essai de la correction.

Comme un étudiant : on part du notebook étudiant généré et on remplit ses ``...``, ligne
par ligne, avec les réponses du maître ; une « erreur typique » remplace une de ces
réponses par une autre ligne. Les remises restent ainsi synchronisées avec le TP.
"""
import json
import re

from autograder.cellules import grade_id, source
from autograder.chemins import NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE
from autograder.distribution.preprocessors import MARQUEUR_SOLUTION, ligne_trou

TROU = re.compile(r"^\s*(for .+ in \.\.\. :|[\w.\[\]\-]+ = \.\.\.)$")


def reponses_du_maitre():
    """grade_id -> liste des lignes de solution (marqueur retiré), dans l'ordre."""
    maitre = json.loads(NOTEBOOK_MAITRE.read_text(encoding="utf-8"))
    return {
        grade_id(c): [MARQUEUR_SOLUTION.sub("", ligne) for ligne in source(c).splitlines()
                      if MARQUEUR_SOLUTION.search(ligne)]
        for c in maitre["cells"] if c["cell_type"] == "code"
    }


def notebook_etudiant():
    return json.loads(NOTEBOOK_ETUDIANT.read_text(encoding="utf-8"))


def remise(erreurs=None, vierge=False):
    """Notebook étudiant rempli (dict JSON).

    ``erreurs`` : {grade_id: {indice_du_trou: "ligne fautive complète"}} ; les indices
    comptent les ``...`` de la cellule à partir de 0, dans l'ordre.
    """
    erreurs = erreurs or {}
    nb = notebook_etudiant()
    if vierge:
        return nb
    reponses = reponses_du_maitre()
    for cellule in nb["cells"]:
        gid = grade_id(cellule)
        if cellule["cell_type"] != "code" or gid not in reponses or not reponses[gid]:
            continue
        lignes, k = [], 0
        for ligne in source(cellule).splitlines():
            if TROU.match(ligne):
                attendu = ligne_trou(reponses[gid][k] + "  # SOLUTION")
                if attendu != ligne:
                    raise ValueError(f"{gid} : trou « {ligne} » du notebook étudiant, « {attendu} » attendu "
                                     "d'après le maître (lancez « make student »).")
                ligne = erreurs.get(gid, {}).get(k, reponses[gid][k])
                k += 1
            lignes.append(ligne)
        if k != len(reponses[gid]):
            raise ValueError(f"{gid} : {k} trou(s) dans le notebook étudiant, {len(reponses[gid])} "
                             "réponse(s) dans le maître (lancez « make student »).")
        cellule["source"] = "\n".join(lignes)
    return nb


def ecrire(nb, chemin):
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return chemin

