"""La page de retour d'un étudiant, construite à la main et rendue avec le modèle du dépôt.

Sans correction : un petit notebook « corrigé » (points posés comme GetGrades les pose)
passe par les préprocesseurs de retour (``CommentairesFrancais``, ``RetourLisible``) et
le modèle ``feedback`` ; la page est lue telle quelle, puis affichée dans Chromium hors
ligne (réseau coupé) : formules en MathML, aucun TeX brut, aucune ressource externe.
"""
import base64
import io
import re

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image

import navigateur
from autograder.chemins import BUILD, RACINE
from autograder.correction.sorties.commentaires import CommentairesFrancais
from autograder.correction.sorties.rapport import page_sans_notebook
from autograder.correction.sorties.retour import (
    RetourLisible,
    couper,
    formules_en_mathml,
    nommer_retour,
    sans_chemins,
    texte_terminal,
    titre_cellule,
)
from conftest import exiger_ou_ignorer

ARTEFACTS = BUILD / "artefacts"


def _png_bruit(largeur, hauteur):
    """Une figure comme celles du TP : des chiffres bruités, agrandis (sans compression possible)."""
    petit = (np.random.default_rng(0).random((hauteur // 6, largeur // 6)) * 255).astype("uint8")
    image = Image.fromarray(petit).resize((largeur, hauteur), Image.NEAREST)
    tampon = io.BytesIO()
    image.save(tampon, "PNG")
    return base64.b64encode(tampon.getvalue()).decode()


def _png_schema():
    """Un schéma comme ceux du TP : des traits et du texte sur fond blanc."""
    from PIL import ImageDraw

    image = Image.new("RGB", (1000, 520), "white")
    dessin = ImageDraw.Draw(image)
    for i in range(5):
        dessin.rectangle((40 + 190 * i, 200, 160 + 190 * i, 320), outline="black", width=3)
        dessin.text((70 + 190 * i, 340), f"x_{i}", fill="black")
        dessin.line((160 + 190 * i, 260, 230 + 190 * i, 260), fill="#3b75af", width=4)
    tampon = io.BytesIO()
    image.save(tampon, "PNG")
    return base64.b64encode(tampon.getvalue()).decode()


def _meta(grade_id, **autres):
    return {"nbgrader": {"grade_id": grade_id, "schema_version": 3, "locked": False, **autres}}


def notebook_corrige():
    venv = f"{RACINE}/.venv/lib/python3.11/site-packages/numpy/_core/fromnumeric.py"
    gpu = new_code_cell('import tensorflow as tf\nprint(MESSAGE_GPU if not tf.config.list_physical_devices("GPU") '
                        'else "")')
    gpu.outputs = [new_output("stream", name="stdout", text="Aucun GPU détecté : l'entraînement complet…\n")]
    reponse = new_code_cell("### A COMPLETER ###\nalpha = ...\n", metadata=_meta(
        "ex2_reponse", solution=True, grade=False))
    verif = new_code_cell("assert alpha is not Ellipsis, 'Complétez alpha'", metadata=_meta(
        "ex2a_verif", grade=True, solution=False, points=2, score=1.5))
    verif.outputs = [new_output("error", ename="AssertionError", evalue="Complétez alpha", traceback=[
        "\x1b[31m----\x1b[39m", f"File \x1b[32m{venv}:57\x1b[39m, in _wrapfunc", "AssertionError: Complétez alpha"])]
    entrainement = new_code_cell("model.fit(sequence, epochs=1)")
    entrainement.outputs = [new_output("stream", name="stdout", text=f"\r {i}/62 ━━━━ loss: 0.{900 - i}")
                            for i in range(1, 63)]
    bavard = new_code_cell("for i in range(5000): print(i)")
    bavard.outputs = [new_output("stream", name="stdout", text="".join(f"{i}\n" for i in range(5000)))]
    figure = new_code_cell("plt.show()")
    figure.outputs = [new_output("display_data", data={"image/png": _png_bruit(1570, 329), "text/plain": "<Figure>"})]
    schema = new_markdown_cell("![Schéma](attachment:schema.png)\n\n$$x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + "
                               "\\sqrt{1-\\bar\\alpha_t}\\,\\epsilon$$")
    schema.attachments = {"schema.png": {"image/png": _png_schema()}}
    return new_notebook(cells=[
        new_markdown_cell("[![Ouvrir dans Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                          "(https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/tp.ipynb)"),
        new_markdown_cell("**Exercice 2.** Complétez $\\alpha_t = 1 - \\beta_t$ et $\\bar{\\alpha}_t$ "
                          "(le code `prix = 3$` reste du code)."),
        gpu, reponse, verif, entrainement, bavard, figure, schema,
    ], metadata={"language_info": {"name": "python"}})


def rendre_retour(nb, dossier):
    """Le retour HTML de ``nb``, rendu comme par nbgrader generate_feedback avec la configuration du dépôt."""
    from nbconvert import HTMLExporter

    from autograder.cours import configuration

    config = configuration(dossier)
    assert RetourLisible in config.GenerateFeedback.preprocessors
    ressources = {"nbgrader": {"notebook": "tp_diffusion", "score": 18.5, "max_score": 20, "late_penalty": 0}}
    nb, ressources = CommentairesFrancais().preprocess(nb, ressources)
    nb, ressources = RetourLisible().preprocess(nb, ressources)
    html, _ = HTMLExporter(config=config, template_name="feedback").from_notebook_node(nb, resources=ressources)
    return html


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("retour")
    nb = notebook_corrige()
    nb.cells[3].metadata.nbgrader["comment"] = "No response."
    chemin = dossier / "Camille Durand.html"
    chemin.write_text(rendre_retour(nb, dossier), encoding="utf-8")
    assert nommer_retour(chemin, "Camille Durand", 19.5)
    assert not nommer_retour(chemin, "Camille Durand", 19.5)  # idempotent
    return chemin


def test_nom_note_a_la_francaise_et_noms_lisibles(page):
    html = page.read_text(encoding="utf-8")
    assert "<title>TP « Modèles de diffusion » — Camille Durand — 19,5\u00a0/\u00a020</title>" in html
    assert re.search(r'<span class="retour-nom">Camille Durand</span>', html)
    assert '<span class="retour-note">Note\u00a0: 19,5\u00a0/\u00a020</span>' in html
    toc = html[html.index('<div id="toc">'):html.index("</div>", html.index('<div id="toc">'))]
    assert "Vérification de l'exercice 2 (partie a)" in toc and "ex2a_verif</a>" not in toc
    assert "1,5 / 2" in toc and "1.5" not in toc and "1.5 / 2.0" not in html and "ex2a_verif<" not in html
    assert "Commentaire sur votre réponse à l'exercice 2" in toc


def test_rien_du_correcteur_ni_lien_mort_ni_ressource_externe(page):
    html = page.read_text(encoding="utf-8")
    assert "Aucun GPU détecté" not in html  # sortie de la machine du correcteur
    assert "OWNER/REPO" not in html and "colab-badge" not in html
    assert ".venv" not in html and "site-packages" not in html and str(RACINE) not in html
    assert "…/numpy/_core/fromnumeric.py" in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "ressource externe"
    assert "mathjax" not in html.lower() and "<script" not in html


def test_formules_en_mathml_et_page_legere(page):
    html = page.read_text(encoding="utf-8")
    assert html.count("<math") == 3 and '<math display="block">' in html
    assert "$" not in re.sub(r"<code>.*?</code>", "", html)
    assert "<code>prix = 3$</code>" in html
    assert re.findall(r"data:image/(\w+);base64", html) == ["webp", "webp"]
    assert " 62/62 ━━━━ loss: 0.838" in html and "1/62" not in html  # barre de progression : la dernière ligne
    assert "caractères coupés dans ce retour" in html and "\n4999\n" in html and "\n2000\n" not in html
    assert len(html.encode()) < 60_000, len(html.encode())
    assert "retiré" not in html  # une page ordinaire n'est pas réduite


def test_une_remise_hostile_tient_dans_300_ko(tmp_path):
    """Tout ce qu'une remise contrôle, en démesure : la page reste sous 300 ko, dit ce qu'elle a
    retiré, et garde le texte du sujet, les vérifications et leurs messages."""
    nb = notebook_corrige()
    figure = {"image/png": _png_bruit(900, 300), "text/plain": "<Figure>"}
    figures = new_code_cell("for i in range(40): plt.show()")
    figures.outputs = [new_output("display_data", data=dict(figure)) for _ in range(40)]
    nb.cells.append(figures)
    for i in range(25):  # des cellules ajoutées qui affichent chacune 50 000 caractères et une figure
        bavarde = new_code_cell(f"print('{i}' * 50_000)")
        bavarde.outputs = [new_output("stream", name="stdout", text=f"{i % 10}" * 49_000),
                           new_output("display_data", data=dict(figure))]
        nb.cells.append(bavarde)
    reponse = nb.cells[3]
    reponse.source = "alpha = 1 - beta\n" + "# commentaire très long\n" * 20_000
    # ce qui grossit une fois écrit dans la page : échappement HTML, couleurs ANSI, caractères
    # de plusieurs octets, formats que le retour n'affiche pas, milliers de petites sorties
    reponse.outputs = [new_output("stream", name="stdout", text="<&>" * 15_000),
                       new_output("stream", name="stderr", text="\x1b[31mx\x1b[0m" * 4_000),
                       new_output("stream", name="stdout", text="é😀" * 12_000),
                       new_output("display_data", data={"image/svg+xml": "<svg>" + "<g/>" * 100_000 + "</svg>"}),
                       new_output("display_data", data={"application/javascript": "x = 1;" * 50_000})]
    petites = new_code_cell("for i in range(6000): print(i); print(i, file=sys.stderr)")
    petites.outputs = [new_output("stream", name=("stdout", "stderr")[k % 2], text=f"{k}\n") for k in range(6000)]
    nb.cells.append(petites)
    trace = new_code_cell("raise ValueError")
    trace.outputs = [new_output("error", ename="ValueError", evalue="x" * 40_000, traceback=["y" * 5_000] * 200)]
    nb.cells.append(trace)
    html = rendre_retour(nb, tmp_path)
    assert len(html.encode()) <= 300_000, len(html.encode())
    assert "pour que la page ne dépasse pas 300" in html
    assert "autres figures retirées de ce retour (2 au plus par cellule)" in html
    assert "autres sorties retirées de ce retour (50 au plus par cellule)" in html
    assert "image/svg+xml" in html and "<svg>" not in html and "x = 1;" not in html
    assert "Exercice 2" in html and "Vérification de l'exercice 2 (partie a)" in html and "Complétez alpha" in html
    assert "alpha = 1 - beta" in html

def test_outils_du_retour():
    assert titre_cellule("ex5b_verif") == "Vérification de l'exercice 5 (partie b)"
    assert titre_cellule("ex1_reponse", solution=True) == "votre réponse à l'exercice 1"
    assert titre_cellule("apl_ema", solution=True) == "une partie facultative"
    assert sans_chemins("/home/x/.venv/lib/python3.11/site-packages/keras/a.py et /usr/lib/python3.11/os.py") \
        == "…/keras/a.py et …/python/os.py"
    assert texte_terminal("a\rb\rc\nfin\x08\x08x") == "c\nfx"
    assert couper("x" * 10) == "x" * 10 and len(couper("ligne\n" * 5000)) < 2500
    assert len(couper("x" * 60_000)) < 50_100
    assert formules_en_mathml("<p>$a<b$ et <code>$c$</code></p>") == \
        "<p><math><mi>a</mi><mo>&#x0003C;</mo><mi>b</mi></math> et <code>$c$</code></p>"


def test_page_sans_notebook_a_la_francaise(tmp_path):
    chemin = tmp_path / "Zoé.html"
    chemin.write_text(page_sans_notebook("Zoé", "fichier vide", 0.0), encoding="utf-8")
    nommer_retour(chemin, "Zoé Roux", 12.25)
    html = chemin.read_text(encoding="utf-8")
    assert '<span class="retour-note">Note\u00a0: 12,25\u00a0/\u00a020</span>' in html and "Zoé Roux — 12,25" in html


def test_le_retour_s_affiche_hors_ligne_dans_chromium(page):
    exiger_ou_ignorer(navigateur.trouver_chromium(), "Chromium absent : « apt-get install chromium ».")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    avec_sonde = page.with_name("sonde.html")
    avec_sonde.write_text(navigateur.avec_sonde(page.read_text(encoding="utf-8")), encoding="utf-8")
    sonde = navigateur.rendre(avec_sonde, ARTEFACTS / "rendu_retour.png", hauteur_max=4000)
    texte = sonde["texte"]
    assert "Camille Durand" in texte and "19,5 / 20" in texte.replace("\u00a0", " ")
    assert "\\sqrt" not in texte and "$" not in texte.replace("prix = 3$", "")
    assert "Vérification de l'exercice 2 (partie a)" in texte
