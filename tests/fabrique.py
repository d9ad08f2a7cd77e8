"""Fabrique de remises d'étudiants pour les tests de la correction.

Comme un étudiant : on part du notebook étudiant généré et on remplit ses ``...``, ligne
par ligne, avec les réponses du maître ; une « erreur typique » remplace une de ces
réponses par une autre ligne. Les remises restent ainsi synchronisées avec le TP.
"""
import json
import re

from autograder.chemins import NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE
from autograder.preprocessors import MARQUEUR_SOLUTION, ligne_trou

TROU = re.compile(r"^\s*(for .+ in \.\.\. :|[\w.\[\]\-]+ = \.\.\.)$")


def _source(cellule):
    return cellule["source"] if isinstance(cellule["source"], str) else "".join(cellule["source"])


def _grade_id(cellule):
    return cellule.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def reponses_du_maitre():
    """grade_id -> liste des lignes de solution (marqueur retiré), dans l'ordre."""
    maitre = json.loads(NOTEBOOK_MAITRE.read_text(encoding="utf-8"))
    return {
        _grade_id(c): [MARQUEUR_SOLUTION.sub("", l) for l in _source(c).splitlines() if MARQUEUR_SOLUTION.search(l)]
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
        gid = _grade_id(cellule)
        if cellule["cell_type"] != "code" or gid not in reponses or not reponses[gid]:
            continue
        lignes, k = [], 0
        for ligne in _source(cellule).splitlines():
            if TROU.match(ligne):
                attendu = ligne_trou(reponses[gid][k] + "  # SOLUTION")
                assert attendu == ligne, (gid, attendu, ligne)
                ligne = erreurs.get(gid, {}).get(k, reponses[gid][k])
                k += 1
            lignes.append(ligne)
        assert k == len(reponses[gid]), gid
        cellule["source"] = "\n".join(lignes)
    return nb


#: Une erreur typique par exercice : (nom, {grade_id: {trou: ligne}}, points perdus par exercice).
ERREURS_TYPIQUES = {
    "beta_sans_zero": ({"ex1_reponse": {0: "beta = np.linspace(beta_1, beta_T, T)"}}, {"ex1": 2}),
    "alpha_barre_cumsum": ({"ex2_reponse": {1: "alpha_barre = np.cumsum(alpha)"}}, {"ex2": 2}),
    "variance_ecart_type": ({"ex2_reponse": {3: "sigma_x_T = np.sqrt(1 - alpha_barre[T])"}}, {"ex2": 1}),
    "iteratif_beta_sans_racine": (
        {"ex3_reponse": {2: "    x[t] = np.sqrt(alpha[t]) * x[t-1] + beta[t] * epsilon"}}, {"ex3": 2}),
    "direct_alpha": (
        {"ex4_reponse": {2: "    x[t] = np.sqrt(alpha[t]) * x_0 + np.sqrt(1 - alpha[t]) * epsilon"}}, {"ex4": 2}),
    "batch_t_de_0_a_T_moins_1": (
        {"ex5_reponse": {3: "        batch_t = np.random.randint(0, T, self.batch_size)"}}, {"ex5": 3}),
    "debruitage_divise_par_alpha_barre": (
        {"ex7_reponse": {4: "    denoised[t] = (x[t] - np.sqrt(1 - alpha_barre[t]) * epsilon_theta_xt_t) / alpha_barre[t]"}},
        {"ex7": 2}),
    "echantillonnage_sans_t_egal_1": ({"ex8_reponse": {0: "for t in range(T, 1, -1):"}}, {"ex8": 2}),
    "echantillonnage_bruit_au_dernier_pas": (
        {"ex8_reponse": {2: "    z = np.random.normal(0, 1, (28, 28))"}}, {"ex8": 2}),
    "cinquante_images_racine_alpha_barre": (
        {"ex9_reponse": {5: "  x_t = (x_t - beta[t] / np.sqrt(1 - alpha_barre[t]) * epsilon_theta_xt_t) / np.sqrt(alpha_barre[t]) + np.sqrt(beta[t]) * z"}},
        {"ex9": 2}),
    "cinquante_images_un_seul_bruit": (
        {"ex9_reponse": {2: "    z = np.random.normal(0, 1, (28, 28))", 3: "    z = np.zeros((28, 28))"}}, {"ex9": 2}),
}


def ecrire(nb, chemin):
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return chemin

