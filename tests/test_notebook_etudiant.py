"""Le notebook étudiant est exactement ce que génère le maître, et ne divulgue rien."""
import json
import re

from autograder.cellules import grade_id, separer_regions, source
from autograder.chemins import NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE
from autograder.distribution.etudiant import generer
from autograder.distribution.preprocessors import MARQUEUR_SOLUTION

# Les lignes à trou de chaque cellule d'exercice, dans l'ordre du brouillon de l'enseignant.
TROUS_DU_BROUILLON = {
    "ex1_reponse": ["beta = ..."],
    "ex2_reponse": ["alpha = ...", "alpha_barre = ...", "mu_x_T = ...", "sigma_x_T = ..."],
    "ex3_reponse": ["x[t] = ...", "epsilon = ...", "x[t] = ..."],
    "ex4_reponse": ["x[t] = ...", "epsilon = ...", "x[t] = ..."],
    "ex5_reponse": ["self.alpha = ...", "self.alpha_barre = ...", "batch_y = ...", "batch_t = ...", "batch_x[i] = ..."],
    "ex7_reponse": ["x[t] = ...", "epsilon = ...", "x[t] = ...", "epsilon_theta_xt_t = ...", "denoised[t] = ..."],
    "ex8_reponse": ["for t in ... :", "z = ...", "z = ...", "epsilon_theta_xt_t = ...", "x[t-1] = ..."],
    "ex9_reponse": ["x_T = ...", "for t in ... :", "z = ...", "z = ...", "epsilon_theta_xt_t = ...", "x_t = ..."],
}


def cellules(chemin):
    return json.loads(chemin.read_text(encoding="utf-8"))["cells"]


def lignes_visibles(texte):
    """Lignes hors des régions cachées et hors des lignes de solution : le code fourni."""
    dehors = separer_regions(texte, regions=("HIDDEN TESTS", "SOLUTION"))[1]
    return [ligne for ligne in dehors if not MARQUEUR_SOLUTION.search(ligne)]


def test_le_notebook_etudiant_committe_est_celui_que_genere_le_maitre(tmp_path):
    neuf = generer(tmp_path / "tp_diffusion.ipynb")
    assert neuf.read_bytes() == NOTEBOOK_ETUDIANT.read_bytes(), (
        "notebooks/tp_diffusion.ipynb n'est pas à jour : lancez « make student » et committez-le."
    )


def test_aucune_ligne_de_solution_ni_de_test_cache_dans_le_notebook_etudiant():
    texte_etudiant = NOTEBOOK_ETUDIANT.read_text(encoding="utf-8")
    lignes_etudiant = {ligne.strip() for c in cellules(NOTEBOOK_ETUDIANT) for ligne in source(c).splitlines()}
    secretes, publiques = [], set()
    for c in cellules(NOTEBOOK_MAITRE):
        texte = source(c)
        cachees = [ligne.strip() for ligne in separer_regions(texte, regions=("HIDDEN TESTS", "SOLUTION"))[0]]
        marquees = [MARQUEUR_SOLUTION.sub("", ligne).strip() for ligne in texte.splitlines()
                    if MARQUEUR_SOLUTION.search(ligne)]
        secretes += cachees + marquees
        publiques |= {ligne.strip() for ligne in lignes_visibles(texte)}
    # Une ligne aussi écrite en clair ailleurs dans le maître (code fourni) n'est pas un secret.
    secretes = [ligne for ligne in secretes
                if ligne and not ligne.startswith("#") and len(ligne) > 12 and ligne not in publiques]
    assert len(secretes) > 60  # le maître contient bien des solutions et des tests cachés
    fuites = [ligne for ligne in secretes if ligne in lignes_etudiant or ligne in texte_etudiant]
    assert not fuites, f"Lignes du maître présentes dans le notebook étudiant : {fuites}"


def test_les_cellules_a_completer_ont_les_trous_du_brouillon():
    par_id = {grade_id(c): source(c) for c in cellules(NOTEBOOK_ETUDIANT)}
    for gid, trous in TROUS_DU_BROUILLON.items():
        texte = par_id[gid]
        assert "### A COMPLETER ###" in texte, gid
        trouves = [ligne.strip() for ligne in texte.splitlines() if re.search(r"(=|in) \.\.\.( :)?$", ligne.strip())]
        assert trouves == trous, f"{gid} : {trouves}"


def test_notebook_etudiant_sans_sorties_et_avec_metadonnees_nbgrader():
    for c in cellules(NOTEBOOK_ETUDIANT):
        if c["cell_type"] == "code":
            assert c["outputs"] == [] and c["execution_count"] is None
        assert "nbgrader" in c["metadata"] or c["cell_type"] == "markdown"


def test_le_maitre_n_a_de_sorties_que_pour_nbval():
    for c in cellules(NOTEBOOK_MAITRE):
        if c["cell_type"] == "code" and c["outputs"]:
            assert "nbval-check-output" in c["metadata"].get("tags", []), grade_id(c)


def test_le_schema_est_une_piece_jointe_et_non_un_lien_externe():
    textes = [source(c) for c in cellules(NOTEBOOK_ETUDIANT) if c["cell_type"] == "markdown"]
    assert not any("drive.google.com" in t for t in textes)
    jointes = [c for c in cellules(NOTEBOOK_ETUDIANT) if c.get("attachments")]
    assert {nom for c in jointes for nom in c["attachments"]} == {"schema_diffusion.png", "schema_entrainement.png"}
    for c in jointes:
        for nom in c["attachments"]:
            assert f"attachment:{nom}" in source(c)
