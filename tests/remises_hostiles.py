"""Remises « hostiles » : tout ce que des étudiants font à leurs notebooks.

Chaque remise est écrite dans le dossier de la classe (voir ``tests/conftest.py``) et a
sa note attendue : ``ATTENDU[étudiant] = (points perdus par exercice, motif du statut)``.
"""
import copy
import json
import os
import time
from pathlib import Path

import nbformat

from autograder.cellules import grade_id as _grade_id
from autograder.cellules import meta_nbgrader, source
from autograder.chemins import RACINE
from fabrique import ecrire, remise

#: Fichier que le « tricheur » essaie d'écrire : hors de son dossier et hors de /tmp (que le
#: bac à sable remplace par un /tmp privé, où une écriture ne toucherait pas le vrai disque).
CIBLE_PIRATE = Path("/var/tmp") / f"pirate_tp_diffusion_{os.getpid()}.txt"

# étudiant -> ({exercice: points perdus}, expression régulière attendue dans « statut » ou None pour « ok »)
ATTENDU = {
    "tout_leve": ("tout", None),
    "boucle_infinie": ({"ex3": 2}, None),
    "bombe_memoire": ({"ex4": 2}, None),
    "plantage_noyau": ({"ex7": 2}, r"cellule ex7_reponse neutralisée : elle a arrêté le noyau"),
    "cellules_bousculees": ({"ex1": 2}, r"ex2_reponse.*remise en code"),
    "sans_metadonnees": ({}, r"métadonnées nbgrader absentes"),
    "enregistre_par_colab": ({}, None),
    "json_invalide": ("tout", r"remise illisible \(JSON invalide"),
    "fichier_vide": ("tout", r"remise illisible \(fichier vide\)"),
    "pas_un_notebook": ("tout", r"remise illisible \(ce n'est pas un notebook"),
    "ancien_format": ({}, r"nbformat 3, converti au format 4"),
    "sorties_enormes": ({}, None),
    "tricheur": ({}, None),
    "Zoé": ({}, r"2 remises trouvées : la plus récente \(tp\.ipynb\) est notée"),
    "李雷": ({}, None),
    # Issue #18 : le verdict est calculé là où le code de l'étudiant n'a jamais tourné.
    # Une remise vierge plus une ruse ne vaut rien ; des réponses fausses plus une ruse ne
    # valent pas plus que les mêmes réponses sans ruse ; recopier les valeurs affichées ne
    # rapporte rien (cellules relancées avec d'autres paramètres).
    "ruse_execution": ("tout", None),
    "ruse_exceptions": ("tout", None),
    "ruse_numpy": ({"ex3": 2}, None),
    "ruse_valeurs_affichees": ({"ex1": 2, "ex2": 1}, None),
    "ruse_lecture": ({}, None),
}

#: Texte d'un fichier planté hors de la liste blanche du bac à sable (voir ``ruse_lecture``) :
#: aucune page de retour ne doit le contenir.
SECRET_PLANTE = "secret-du-correcteur-4f1c9e"


def _cellule(nb, grade_id):
    return next(c for c in nb["cells"] if _grade_id(c) == grade_id)


def _prefixer(nb, grade_id, code):
    cellule = _cellule(nb, grade_id)
    cellule["source"] = code + "\n" + source(cellule)
    return nb


def _inserer_apres(nb, grade_id, code):
    i = nb["cells"].index(_cellule(nb, grade_id))
    nb["cells"].insert(i + 1, nbformat.v4.new_code_cell(code))
    return nb


def code_tricheur(port, remises):
    return f'''
import json, socket
tentatives = {{}}
def essai(nom, action):
    try:
        action()
        tentatives[nom] = "réussi"
    except Exception as erreur:
        tentatives[nom] = type(erreur).__name__
essai("lire_solutions", lambda: open({str(RACINE / "solutions" / "tp_diffusion.ipynb")!r}).read())
essai("lire_source_nbgrader", lambda: open("../../../source/tp_diffusion/tp_diffusion.ipynb").read())
essai("lire_carnet_de_notes", lambda: open("../../../gradebook.db", "rb").read())
essai("lire_autre_copie", lambda: open({str(remises / "Élodie Martin.ipynb")!r}).read())
essai("reseau", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=3))
essai("ecrire_hors_dossier", lambda: open({str(CIBLE_PIRATE)!r}, "w").write("x"))
json.dump(tentatives, open("tentatives.json", "w"))
'''


def _en_tete(nb, code):
    """Ajoute ``code`` en tête de la première cellule de réponse (là où la ruse s'installe)."""
    return _prefixer(nb, "ex1_reponse", code)


#: Ruses qui changent la façon dont les cellules suivantes s'exécutent (toutes avalent les
#: erreurs : une vérification exécutée dans ce noyau répondrait « ok » à tout).
RUSE_EXECUTION = r"""
import ast
class _Avaleur(ast.NodeTransformer):
    def visit_Module(self, noeud):
        essai = ast.Try(body=noeud.body, handlers=[ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()),
                        name=None, body=[ast.Pass()])], orelse=[], finalbody=[])
        noeud.body = [essai]
        return ast.fix_missing_locations(noeud)
get_ipython().ast_transformers.append(_Avaleur())
get_ipython().input_transformers_post.append(
    lambda lignes: ["try:\n"] + ["    " + l for l in lignes] + ["\nexcept BaseException:\n    pass\n"])
"""
#: Ruses qui avalent les exceptions par d'autres moyens.
RUSE_EXCEPTIONS = """
import sys
get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)
get_ipython().showtraceback = lambda *a, **k: None
sys.excepthook = lambda *a: None
import builtins
builtins.AssertionError = type("AssertionError", (Exception,), {})
"""
#: Fonctions de NumPy remplacées (toujours « vrai »), puis rétablies deux cellules plus loin.
RUSE_NUMPY = """
import builtins
_vrais = (np.allclose, np.isclose, np.mean, np.std, builtins.abs)
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.mean = lambda *a, **k: 0.0
np.std = lambda *a, **k: 1.0
builtins.abs = lambda x: 0.0
"""
RETABLIR_NUMPY = "np.allclose, np.isclose, np.mean, np.std, builtins.abs = _vrais\n"
#: Tout ce qu'un noyau pourrait lire des tests : cellules exécutées (événement), historique.
RUSE_LECTURE_HOOK = """
_vues = []
get_ipython().events.register("pre_run_cell", lambda info: _vues.append(info.raw_cell))
"""


def code_lecture(racine_depot, secret):
    """Dernière cellule facultative : affiche tout ce que le noyau a vu ou peut lire."""
    return f'''
import gc, glob, os
trouves = [os.path.join(d, f) for racine in os.listdir("/") if racine not in ("usr", "proc", "sys", "dev")
           for d, _, fichiers in os.walk("/" + racine) for f in fichiers if f.endswith((".ipynb", ".db"))]
for chemin in [{str(secret)!r}, {str(racine_depot / "solutions" / "tp_diffusion.ipynb")!r},
               {str(racine_depot / "autograder" / "correction" / "demo.py")!r}, "../demande_juge.json",
               *glob.glob("../**/*.ipynb", recursive=True), *trouves]:
    try:
        print(open(chemin).read())
    except Exception as erreur:
        print(chemin, type(erreur).__name__)
for objet in gc.get_objects():
    if isinstance(objet, str) and "HIDDEN" in objet:
        print(objet)
print("\\n".join(_vues))
print("\\n".join(In))
'''


def ecrire_remises_ruses(dossier, secret):
    """Remises de l'issue #18 (voir ``ATTENDU``) ; ``secret`` : fichier planté hors du bac à sable."""
    ecrire(_en_tete(remise(vierge=True), RUSE_EXECUTION), dossier / "ruse_execution.ipynb")
    ecrire(_en_tete(remise(vierge=True), RUSE_EXCEPTIONS), dossier / "ruse_exceptions.ipynb")
    fausse = remise({"ex3_reponse": {2: "    x[t] = np.sqrt(alpha[t]) * x[t-1] + beta[t] * epsilon"}})
    _prefixer(fausse, "ex3_reponse", RUSE_NUMPY)
    _prefixer(fausse, "ex5_reponse", RETABLIR_NUMPY)
    ecrire(fausse, dossier / "ruse_numpy.ipynb")
    recopiee = remise({"ex1_reponse": {0: "beta = np.array([0., 0.1, 0.17777778, 0.25555556, 0.33333333, 0.41111111, "
                                           "0.48888889, 0.56666667, 0.64444444, 0.72222222, 0.8])"},
                       "ex2_reponse": {2: "mu_x_T = 0.03076020665577701", 3: "sigma_x_T = 0.9990538096864939"}})
    ecrire(recopiee, dossier / "ruse_valeurs_affichees.ipynb")
    lecture = _en_tete(remise(), RUSE_LECTURE_HOOK)
    lecture["cells"].append(nbformat.v4.new_code_cell(code_lecture(RACINE, secret)))
    ecrire(lecture, dossier / "ruse_lecture.ipynb")


def ecrire_remises_hostiles(dossier, port):
    """Écrit dans ``dossier`` les remises hostiles de ``ATTENDU``.

    Longue (~65 lignes) par nature : une remise par paragraphe, chacune fabriquée en quelques
    lignes et indépendante des autres ; la liste se lit comme le catalogue de ``ATTENDU``."""
    correct = remise()

    tout_leve = remise(vierge=True)
    for cellule in tout_leve["cells"]:
        if cellule["cell_type"] == "code" and meta_nbgrader(cellule).get("solution"):
            cellule["source"] = "raise ValueError('je ne sais pas')"
    ecrire(tout_leve, dossier / "tout_leve.ipynb")

    ecrire(_prefixer(remise(), "ex3_reponse", "while True:\n    pass"), dossier / "boucle_infinie.ipynb")
    ecrire(_prefixer(remise(), "ex4_reponse", "bombe = [np.ones(10**8) for _ in range(1000)]  # 800 Go"),
           dossier / "bombe_memoire.ipynb")
    ecrire(_prefixer(remise(), "ex7_reponse", "import os\nos._exit(1)"), dossier / "plantage_noyau.ipynb")

    # Vérifications modifiée, supprimée, dupliquée, déplacée ; cellule ajoutée ; type changé.
    bouscule = remise({"ex1_reponse": {0: "beta = np.zeros(T + 1)"}})
    cellules = bouscule["cells"]
    _cellule(bouscule, "ex1_verif")["source"] = "pass  # plus de vérification !"
    cellules.remove(_cellule(bouscule, "ex2a_verif"))
    cellules.append(copy.deepcopy(_cellule(bouscule, "ex3_verif")))
    ex4 = _cellule(bouscule, "ex4_verif")
    cellules.remove(ex4)
    cellules.insert(0, ex4)
    _inserer_apres(bouscule, "ex5_reponse", "def double(x):\n    return 2 * x\nprint(double(21))")
    reponse2 = _cellule(bouscule, "ex2_reponse")
    reponse2.update(cell_type="markdown")
    reponse2.pop("outputs"), reponse2.pop("execution_count")
    ecrire(bouscule, dossier / "cellules_bousculees.ipynb")

    sans = remise()
    for cellule in sans["cells"]:
        cellule["metadata"] = {}
    ecrire(sans, dossier / "sans_metadonnees.ipynb")

    colab = remise()
    colab["nbformat_minor"] = 0
    colab["metadata"] = {"colab": {"provenance": [], "gpuType": "T4"}, "accelerator": "GPU",
                         "kernelspec": {"name": "python3", "display_name": "Python 3"},
                         "language_info": {"name": "python"}}
    for n, cellule in enumerate(colab["cells"]):
        cellule["metadata"]["id"] = f"colab{n:04d}"
        cellule.pop("id", None)
        if cellule["cell_type"] == "code":
            cellule["execution_count"] = n
            cellule["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "sortie de Colab\n"}]
    ecrire(colab, dossier / "enregistre_par_colab.ipynb")

    texte = json.dumps(correct, ensure_ascii=False)
    (dossier / "json_invalide.ipynb").write_text(texte[: len(texte) // 2], encoding="utf-8")
    (dossier / "fichier_vide.ipynb").write_bytes(b"")
    (dossier / "pas_un_notebook.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    v3 = nbformat.convert(nbformat.reads(json.dumps(correct), as_version=4), 3)
    (dossier / "ancien_format.ipynb").write_text(nbformat.writes(v3, version=3), encoding="utf-8")

    enorme = _inserer_apres(remise(), "ex9_reponse",
                            "print('x' * 30_000_000)\n"
                            "for i in range(300):\n    plt.figure(figsize=(1, 1)); plt.plot([0, i]); plt.show()")
    ecrire(enorme, dossier / "sorties_enormes.ipynb")

    ecrire(_inserer_apres(remise(), "ex1_reponse", code_tricheur(port, dossier)), dossier / "tricheur.ipynb")

    ecrire(remise(vierge=True), dossier / "Zoé" / "ancienne.ipynb")
    ancien = time.time() - 3600
    os.utime(dossier / "Zoé" / "ancienne.ipynb", (ancien, ancien))
    ecrire(remise(), dossier / "Zoé" / "tp.ipynb")
    ecrire(remise(), dossier / "李雷.ipynb")
    (dossier / "consignes.txt").write_text("pas un notebook", encoding="utf-8")
