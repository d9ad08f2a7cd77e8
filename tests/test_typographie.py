"""Typographie française (``autograder/typographie.py``) et retours en français.

Tests rapides sur des textes et des cellules écrits à la main, puis le dépôt lui-même :
aucun écart dans ce que lisent étudiants et enseignants (README, modèles, messages, notebooks).
"""
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.chemins import NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE, RACINE
from autograder.typographie import (
    ESPACE_FINE as FINE,
)
from autograder.typographie import (
    ESPACE_INSECABLE as INSEC,
)
from autograder.typographie import (
    TypographieFrancaise,
    corriger_markdown,
    corriger_python,
    fichiers,
    main,
    traiter_fichier,
)


def sans_espaces(texte):
    return re.sub(r"[ \u00a0\u202f]", "", texte)


# --- Les règles, une à une ---------------------------------------------------------------------
@pytest.mark.parametrize("signe, espace", [(";", FINE), ("!", FINE), ("?", FINE), (":", INSEC)])
def test_espace_ordinaire_remplacee_et_espace_absente_ajoutee(signe, espace):
    assert corriger_markdown(f"Bonjour {signe} suite") == f"Bonjour{espace}{signe} suite"
    assert corriger_markdown(f"Bonjour{signe} suite") == f"Bonjour{espace}{signe} suite"
    assert corriger_markdown(f"Fin de ligne {signe}\nSuite") == f"Fin de ligne{espace}{signe}\nSuite"


def test_la_mauvaise_espace_insecable_est_remplacee_par_la_bonne():
    assert corriger_markdown(f"Pourquoi{INSEC}?") == f"Pourquoi{FINE}?"
    assert corriger_markdown(f"Note{FINE}: 12") == f"Note{INSEC}: 12"


def test_colonnes_alignees_gardent_leur_alignement():
    assert corriger_markdown("graine   : la graine\nT        : pas") == (
        f"graine  {INSEC}: la graine\nT       {INSEC}: pas")


def test_guillemets():
    assert corriger_markdown("le « mot » ici") == f"le «{INSEC}mot{INSEC}» ici"
    assert corriger_markdown("le «mot» ici") == f"le «{INSEC}mot{INSEC}» ici"


def test_apres_une_mise_en_forme_l_espace_ecrite_devient_insecable():
    assert corriger_markdown("# Passe *forward* : image") == f"# Passe *forward*{INSEC}: image"
    assert corriger_markdown("**Vitesse** : 33 min") == f"**Vitesse**{INSEC}: 33 min"
    assert corriger_markdown("Ho et al. : l'algorithme") == f"Ho et al.{INSEC}: l'algorithme"
    assert corriger_markdown("*note*; suite") == "*note*; suite"  # jamais d'espace insérée là


def test_pourcentages_et_milliers_insecables():
    assert corriger_markdown("41,3 ± 4,9 % et 95 %.") == f"41,3 ± 4,9{FINE}% et 95{FINE}%."
    assert corriger_markdown("37 440 itérations, 1 000 000 d'images") == \
        f"37{FINE}440 itérations, 1{FINE}000{FINE}000 d'images"
    assert corriger_markdown("graines 1 2 3, 0,125 125 et 10 50") == "graines 1 2 3, 0,125 125 et 10 50"
    assert corriger_markdown("tailles 100 200 300, 128 256 et 1 250 500 1000") == \
        "tailles 100 200 300, 128 256 et 1 250 500 1000"  # des suites de nombres, pas des milliers
    assert corriger_markdown("150 000 images") == f"150{FINE}000 images"
    assert corriger_python('m = "de 10 % à 20 %"\n') == f'm = "de 10{FINE}% à 20{FINE}%"\n'  # « % » en fin de chaîne
    assert corriger_markdown("`x = 1 000` et $3 000$") == "`x = 1 000` et $3 000$"  # code et formules


def test_ponctuation_double_et_debut_de_ligne_laisses():
    assert corriger_markdown("Vraiment ?!") == f"Vraiment{FINE}?!"
    assert corriger_markdown(": rien avant") == ": rien avant"
    assert corriger_markdown("- item\n  : définition") == "- item\n  : définition"


# --- Ce qui n'est jamais touché en Markdown ----------------------------------------------------
@pytest.mark.parametrize("code", [
    "```python\nd = {'a': 1}; print(d) ! ?\n```",
    "~~~\nx: y\n~~~",
    "Le code `for t in range(T, 0, -1):` et ``a ;b``.",
    "La loi $q(x_t | x_0) : \\mathcal{N}$ et $$a ; b : c$$.",
    "Voir https://exemple.org/page?x=1;y=2 et <https://exemple.org/a:b>.",
    "[le lien](https://exemple.org/a?b=c;d:e) et ![image](data:image/png;base64,AAA)",
    '<img src="a.png" alt="x: y" style="width: 50%;"> et <!-- si: github -->',
    "<style>\ndiv { color: red; margin: 0 }\n</style>",
    "Entité&nbsp;&amp; fin",
])
def test_code_formules_adresses_balises_intouches(code):
    assert corriger_markdown(code) == code


def test_le_texte_autour_du_code_est_corrige():
    texte = "Exemple : `beta = ...`: complétez ; $x_t$: la formule"
    assert corriger_markdown(texte) == (
        f"Exemple{INSEC}: `beta = ...`{INSEC}: complétez{FINE}; $x_t${INSEC}: la formule")


def test_jinja_hors_des_balises_seulement():
    modele = "<h4>{{ nb }} (note : {{ x | float }})</h4>{% if a: %}{# com : #}<b>Commentaires :</b>"
    assert corriger_markdown(modele, jinja=True) == (
        f"<h4>{{{{ nb }}}} (note{INSEC}: {{{{ x | float }}}})</h4>{{% if a: %}}{{# com : #}}"
        f"<b>Commentaires{INSEC}:</b>")


def test_idempotent():
    texte = "Titre « a » : b ; c ! d ? `e : f` $g : h$ [i](http://j/k?l) fin:"
    une_fois = corriger_markdown(texte)
    assert une_fois != texte
    assert corriger_markdown(une_fois) == une_fois


# --- Python : chaînes et commentaires français, jamais le code ---------------------------------
SOURCE = '''\
import re
# Vérification : le code « beta » doit être juste
d = {"cle": 1, 'x':2}  # noqa: E501
motif = r"(?i)a ; b : c"
octets = b"de la : b"
valeur = 3.14159
message = f"Valeur de la moyenne : {valeur:.2f} ; attendu {d['cle']!r}: voir « aide »"
ancien = "Reste %s : %(nom)d à faire !" if False else "ok"
anglais = "Error: no such file; try again!"
script = """\\
for spec in args[:fin]:
    nom, valeur = spec.split('=')
"""
print(message, d, motif, octets, ancien, anglais)
'''


def test_python_seules_les_chaines_et_commentaires_francais_changent():
    corrige = corriger_python(SOURCE)
    assert f"# Vérification{INSEC}: le code «{INSEC}beta{INSEC}» doit" in corrige
    assert (f'f"Valeur de la moyenne{INSEC}: {{valeur:.2f}}{FINE}; '
            f'attendu {{d[\'cle\']!r}}{INSEC}: voir «{INSEC}aide{INSEC}»"') in corrige
    assert f'"Reste %s{INSEC}: %(nom)d à faire{FINE}!"' in corrige
    for intact in ['d = {"cle": 1, \'x\':2}  # noqa: E501', 'r"(?i)a ; b : c"', 'b"de la : b"',
                   '"Error: no such file; try again!"', "for spec in args[:fin]:"]:
        assert intact in corrige
    assert sans_espaces(corrige) == sans_espaces(SOURCE)


def test_python_meme_comportement_au_texte_pres():
    sorties = []
    for source in (SOURCE, corriger_python(SOURCE)):
        tampon = io.StringIO()
        with redirect_stdout(tampon):
            exec(compile(source, "<test>", "exec"), {})  # noqa: S102 (source écrite ci-dessus)
        sorties.append(tampon.getvalue())
    assert sorties[0] != sorties[1]
    assert sans_espaces(sorties[0]) == sans_espaces(sorties[1])
    assert corriger_python(corriger_python(SOURCE)) == corriger_python(SOURCE)


def test_python_illisible_ou_magie_ipython():
    assert corriger_python('x = "non fermée : la') == 'x = "non fermée : la'
    cellule = '%matplotlib inline\n!pip install x\nprint("Étape : ok")'
    assert corriger_python(cellule) == f'%matplotlib inline\n!pip install x\nprint("Étape{INSEC}: ok")'


# --- Notebooks ---------------------------------------------------------------------------------
def notebook_de_test():
    nb = new_notebook(cells=[
        new_markdown_cell("## Exercice 1 : le « planning »\n\n```python\nx = {'a': 1}\n```"),
        new_code_cell('beta = ...  # à compléter : une ligne\nprint(f"Valeur de beta : {beta[1:3]}")\nd = {1: 2}'),
    ])
    for i, cellule in enumerate(nb.cells):
        cellule["id"] = f"c{i}"
    return nb


def test_preprocesseur_nbgrader_sur_un_notebook():
    nb, _ = TypographieFrancaise().preprocess(notebook_de_test(), {})
    assert nb.cells[0].source == f"## Exercice 1{INSEC}: le «{INSEC}planning{INSEC}»\n\n```python\nx = {{'a': 1}}\n```"
    assert nb.cells[1].source == (
        f'beta = ...  # à compléter{INSEC}: une ligne\nprint(f"Valeur de beta{INSEC}: {{beta[1:3]}}")\nd = {{1: 2}}')


def test_ligne_de_commande_verifier_puis_corriger(tmp_path, capsys):
    notebook = tmp_path / "tp.ipynb"
    nbformat.write(notebook_de_test(), notebook)
    texte = tmp_path / "LISEZMOI.md"
    texte.write_text("Bonjour : `code : intact`\n", encoding="utf-8")
    assert main(["--verifier", str(tmp_path)]) == 1
    sortie = capsys.readouterr().out
    assert f"{texte}:1 :" in sortie and f"{notebook}:1 (cellule 1, c0) :" in sortie
    assert main(["--corriger", str(tmp_path)]) == 0
    assert main(["--verifier", str(tmp_path)]) == 0
    assert texte.read_text(encoding="utf-8") == f"Bonjour{INSEC}: `code : intact`\n"
    # Même écriture que nbformat (indentation 1, clés triées, UTF-8 non échappé, fin de ligne).
    brut = notebook.read_text(encoding="utf-8")
    assert brut == json.dumps(json.loads(brut), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert INSEC in brut


def test_notebook_illisible_signale_et_intact(tmp_path, capsys):
    abime = tmp_path / "abime.ipynb"
    abime.write_text('{"cells": [', encoding="utf-8")
    assert main(["--corriger", str(abime)]) == 2
    assert "notebook illisible" in capsys.readouterr().err
    assert abime.read_text(encoding="utf-8") == '{"cells": ['


# --- Le dépôt ----------------------------------------------------------------------------------
TEXTES_DU_DEPOT = ["README.md", "autograder", "benchmarks", "tests", "docs/benchmark.md"]


@pytest.mark.parametrize("chemin", TEXTES_DU_DEPOT)
def test_aucun_ecart_dans_les_textes_du_depot(chemin):
    # Ce fichier-ci est exclu : ses chaînes sont des exemples d'écarts, écrits exprès.
    ecarts = [v for fichier in fichiers([RACINE / chemin])
              if fichier.suffix != ".ipynb" and fichier.name != "test_typographie.py"
              for v in traiter_fichier(fichier).violations]
    assert not ecarts, (f"{len(ecarts)} écart(s) à la typographie française ; corrigez avec "
                        f"« python -m autograder.typographie --corriger {chemin} » :\n"
                        + "\n".join(map(str, ecarts[:20])))


@pytest.mark.parametrize("notebook", [NOTEBOOK_MAITRE, NOTEBOOK_ETUDIANT], ids=["maitre", "etudiant"])
def test_aucun_ecart_dans_les_notebooks(notebook):
    resultat = traiter_fichier(notebook)
    assert not resultat.erreur
    assert not resultat.violations, (
        f"{len(resultat.violations)} écart(s) dans {notebook.name} ; corrigez le maître avec "
        "« python -m autograder.typographie --corriger solutions/tp_diffusion.ipynb » puis "
        "« make student » :\n" + "\n".join(map(str, resultat.violations[:20])))


# --- Retours aux étudiants en français ---------------------------------------------------------
def notebook_note():
    """Un notebook corrigé, tel que GetGrades le laisse : une réponse notée et une facultative
    non modifiées (« No response. » de nbgrader), une réponse commentée par un correcteur."""
    nb = new_notebook(cells=[
        new_code_cell("beta = ...", metadata={"nbgrader": {
            "solution": True, "grade": False, "grade_id": "ex1_reponse", "comment": "No response."}}),
        new_code_cell("assert True", metadata={"nbgrader": {
            "solution": False, "grade": True, "grade_id": "ex1_verif", "points": 2, "score": 0}}),
        new_code_cell("# VOTRE CODE ICI (facultatif)", metadata={"nbgrader": {
            "solution": True, "grade": False, "grade_id": "complementaire_code", "comment": "No response."}}),
        new_code_cell("alpha = 1 - beta", metadata={"nbgrader": {
            "solution": True, "grade": False, "grade_id": "ex2_reponse", "comment": "Bien vu."}}),
    ])
    for i, cellule in enumerate(nb.cells):
        cellule["id"] = f"c{i}"
    return nb


def test_commentaires_automatiques_en_francais():
    from autograder.correction.sorties.commentaires import CommentairesFrancais

    nb, _ = CommentairesFrancais().preprocess(notebook_note(), {})
    commentaires = [c.metadata.nbgrader.get("comment") for c in nb.cells]
    assert commentaires[0].startswith("Cellule non modifiée")
    assert commentaires[2] is None
    assert commentaires[3] == "Bien vu."


def test_le_retour_html_est_en_francais_sans_commentaire_vide(tmp_path):
    """Rend le modèle de retour du dépôt, avec les préprocesseurs de retour configurés."""
    from nbconvert import HTMLExporter

    from autograder.correction.sorties.commentaires import CommentairesFrancais
    from autograder.cours import configuration

    config = configuration(tmp_path)
    assert CommentairesFrancais in config.GenerateFeedback.preprocessors
    nb, _ = CommentairesFrancais().preprocess(notebook_note(), {})
    # Comme nbgrader (converters/generate_feedback.py) : la feuille de style Bootstrap incluse.
    import nbgrader
    config.HTMLExporter.extra_template_paths = [str(
        Path(nbgrader.__file__).parent / "server_extensions/formgrader/static/node_modules/bootstrap/dist/css")]
    exportateur = HTMLExporter(config=config, template_name="feedback")
    ressources = {"nbgrader": {"notebook": "tp_diffusion", "score": 0, "max_score": 2, "late_penalty": 0}}
    html, _ = exportateur.from_notebook_node(nb, resources=ressources)
    assert "No response" not in html
    assert html.count("Cellule non modifiée") == 1  # sous la réponse notée, pas sous la facultative
    entrees = re.findall(r"<li><a href=\"#comment-[^\"]*\">(.*?)</a></li>", html)
    assert entrees == ["Commentaire sur <code>ex1_reponse</code>", "Commentaire sur <code>ex2_reponse</code>"]


def test_entite_html_dans_une_chaine_python_intouchee():
    source = 'page = "recompté &lt;à la main&gt; par l\'enseignant"\n'
    assert corriger_python(source) == source


# --- Le CSS et les autres types de fichiers ne sont jamais touchés -------------------------------
def test_css_dans_une_chaine_python_intouche():
    source = ('STYLE = ("border: 2px solid #e07b39; background: #fff6ee; "\n'
              '         "margin: 1em auto; max-width: 60em; font-family: sans-serif")\n'
              'page = f\'<div style="{STYLE}">Note modifiée : 12 ; bien</div>\'\n')
    corrige = corriger_python(source)
    assert corrige.splitlines()[:2] == source.splitlines()[:2]
    assert f"Note modifiée{INSEC}: 12{FINE}; bien" in corrige


@pytest.mark.parametrize("nom", ["style.css", "retour.html", "notes.csv", "LISEZMOI"])
def test_un_autre_type_de_fichier_est_refuse_et_laisse_tel_quel(tmp_path, capsys, nom):
    fichier = tmp_path / nom
    fichier.write_text("p { margin: 1em auto; font-family: sans-serif } Bonjour : oui ; non\n", encoding="utf-8")
    avant = fichier.read_bytes()
    resultat = traiter_fichier(fichier, corriger=True)
    assert "type de fichier non pris en charge" in resultat.erreur and not resultat.corrige
    assert main(["--corriger", str(fichier)]) == 2 and "non pris en charge" in capsys.readouterr().err
    assert fichier.read_bytes() == avant
