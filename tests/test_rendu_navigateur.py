"""Le notebook étudiant s'affiche correctement dans un vrai navigateur, hors ligne.

nbconvert exporte ``notebooks/tp_diffusion.ipynb`` en HTML avec une copie locale de MathJax
(au lieu du CDN), Chromium sans tête l'affiche sans réseau, et une sonde JavaScript relève
ce que le navigateur a réellement rendu (voir ``tests/navigateur.py``). On vérifie :

* les formules LaTeX : chaque formule du markdown est rendue par MathJax, sans erreur TeX,
  et aucun ``$`` ni commande ``\\xxx`` ne reste dans le texte affiché ;
* les deux schémas : pièces jointes embarquées (``data:``), chargées (``naturalWidth > 0``)
  et affichés à une taille lisible ;
* les accents : la page est en UTF-8 et le texte affiché contient les mots accentués, sans
  « mojibake » (``Ã©`` pour ``é``).

Artefacts, à regarder après un échec : ``build/artefacts/rendu_etudiant.png`` (capture de la
page entière) et ``build/artefacts/rendu_etudiant.html``.
"""
import html
import json
import re

import nbformat
import pytest

import navigateur
from autograder.chemins import BUILD, NOTEBOOK_ETUDIANT
from conftest import exiger_ou_ignorer

ARTEFACTS = BUILD / "artefacts"
SCHEMAS = {"Schéma de la diffusion", "Schéma de l'entraînement"}
#: Textes accentués qui doivent s'afficher tels quels (titres, guillemets, majuscules).
TEXTES_ACCENTUES = [
    "Échantillonnage de nouvelles images à partir d'un bruit",
    "À retenir.",
    "Entraînement du modèle",
    "débruiter itérativement",
    "« mode rapide »",
    "Paramètres",
]
MOJIBAKE = re.compile("Ã|Â|â€|\ufffd")


def formules_du_markdown(nb):
    """Nombre de formules ``$...$`` et ``$$...$$`` des cellules markdown (hors code)."""
    total = 0
    for cellule in nb.cells:
        if cellule.cell_type != "markdown":
            continue
        texte = re.sub(r"```.*?```", "", cellule.source, flags=re.DOTALL)
        texte = re.sub(r"`[^`]*`", "", texte)
        blocs = re.findall(r"\$\$.+?\$\$", texte, flags=re.DOTALL)
        texte = re.sub(r"\$\$.+?\$\$", "", texte, flags=re.DOTALL)
        total += len(blocs) + len(re.findall(r"\$[^$]+?\$", texte))
    return total


@pytest.fixture(scope="module")
def mathjax():
    """Chromium et MathJax présents (installés par apt au besoin), sinon test ignoré (échec sous CI)."""
    if not navigateur.trouver_chromium() or not navigateur.trouver_mathjax():
        navigateur.installer_paquets_debian("chromium", "libjs-mathjax")
    exiger_ou_ignorer(navigateur.trouver_chromium(),
                      "Chromium introuvable et impossible à installer ici (apt-get absent ou "
                      "pas root) : test de rendu dans le navigateur ignoré. Pour le lancer : "
                      "« apt-get install chromium libjs-mathjax » puis « make test ».")
    chemin = navigateur.trouver_mathjax()
    if not chemin:
        pytest.fail("MathJax 2 introuvable : installez le paquet Debian libjs-mathjax "
                    "(« make install » en root) ou indiquez MathJax.js dans $TP_MATHJAX.")
    return chemin


def exporter_et_rendre(nb, mathjax, dossier, nom):
    """Exporte ``nb`` en HTML (MathJax local), l'affiche dans Chromium ; renvoie la sonde."""
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter(mathjax_url=navigateur.url_mathjax(mathjax)).from_notebook_node(nb)
    dossier.mkdir(parents=True, exist_ok=True)
    page = dossier / f"{nom}.html"
    page.write_text(navigateur.avec_sonde(html), encoding="utf-8")
    return navigateur.rendre(page, dossier / f"{nom}.png")


def test_le_notebook_etudiant_s_affiche_correctement_dans_chromium(mathjax):
    nb = nbformat.read(NOTEBOOK_ETUDIANT, as_version=4)
    sonde = exporter_et_rendre(nb, mathjax, ARTEFACTS, "rendu_etudiant")
    resume = {k: v for k, v in sonde.items() if k not in ("texte", "stderr")}
    detail = f"\nSonde : {json.dumps(resume, ensure_ascii=False)[:3000]}\nChromium : {sonde['stderr'][-800:]}"

    # Formules : toutes rendues par MathJax, aucune en erreur, aucun TeX brut à l'écran.
    attendues = formules_du_markdown(nb)
    assert attendues >= 80, attendues
    assert (sonde["mathjax"] or "").startswith("2."), "MathJax ne s'est pas chargé." + detail
    assert sonde["sources_tex"] == attendues, (
        f"MathJax a trouvé {sonde['sources_tex']} formules, le markdown en contient {attendues}." + detail)
    assert sonde["formules_rendues"] == attendues, "Des formules n'ont pas été rendues." + detail
    assert sonde["erreurs_tex"] == [], f"Formules en erreur : {sonde['erreurs_tex']}"
    assert sonde["markdown_brut"] == [], (
        "Du TeX brut ($ ou \\commande) reste dans le texte affiché :\n"
        + "\n---\n".join(t.strip()[:300] for t in sonde["markdown_brut"]))

    # Schémas : embarqués dans le notebook, chargés, affichés à une taille lisible. Seule
    # exception admise : une image-lien (badge « Ouvrir dans Colab ») peut être externe, à
    # condition d'avoir un texte alternatif, qui reste lisible et cliquable hors ligne.
    badges = [i for i in sonde["images"] if i["lien"] and not i["src"].startswith("data:")]
    assert all(i["alt"].strip() for i in badges), f"Image-lien externe sans texte alternatif : {badges}"
    images = [i for i in sonde["images"] if i not in badges]
    assert {i["alt"] for i in images} == SCHEMAS, detail
    for image in images:
        assert image["src"].startswith("data:image/png;base64,"), f"Image externe : {image}"
        assert image["complete"] and image["naturalWidth"] > 0 and image["naturalHeight"] > 0, \
            f"Schéma non chargé : {image}"
        assert image["largeur"] >= 500 and image["hauteur"] >= 200, f"Schéma trop petit à l'écran : {image}"

    # Accents : UTF-8 de bout en bout.
    assert sonde["encodage"] == "UTF-8", sonde["encodage"]
    texte = sonde["texte"]
    manquants = [t for t in TEXTES_ACCENTUES if t not in texte]
    assert not manquants, f"Textes accentués absents de la page affichée : {manquants}"
    assert not MOJIBAKE.search(texte), f"Accents abîmés : {MOJIBAKE.findall(texte)[:10]}"

    capture = ARTEFACTS / "rendu_etudiant.png"
    assert capture.stat().st_size > 100_000, "Capture d'écran presque vide."


def test_la_sonde_repere_formules_cassees_tex_brut_et_image_externe(mathjax, tmp_path):
    """La vérification n'est pas vide : elle signale bien ce qui est cassé."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        "Bonne $\\alpha_t$, accolade manquante $\\frac{a$, macro inconnue $\\inconnue{x}$, "
        "dollar seul à 5 $.\n\n![Image en ligne](https://example.org/schema.png)"
    )]
    sonde = exporter_et_rendre(nb, mathjax, tmp_path, "casse")
    assert sonde["formules_rendues"] == 3
    assert sorted(sonde["erreurs_tex"]) == ["\\frac{a", "\\inconnue{x}"]
    assert len(sonde["markdown_brut"]) == 1 and "5 $" in sonde["markdown_brut"][0]
    assert sonde["images"][0]["naturalWidth"] == 0  # pas de réseau : l'image externe manque
    assert "Bonne" in sonde["texte"] and "à 5" in sonde["texte"]


@pytest.mark.parametrize("exercice", [3, 9])
def test_un_exercice_tel_que_le_voit_un_etudiant(mathjax, exercice):
    """L'énoncé, la cellule à compléter et sa vérification, seuls, rendus dans Chromium :
    les formules s'affichent, et la vérification visible ne montre aucune ligne de solution
    (capture ``build/artefacts/rendu_ex<N>.png``, à regarder comme un étudiant)."""
    from autograder.cellules import grade_id
    from autograder.distribution.publication import secrets_du_maitre

    nb = nbformat.read(NOTEBOOK_ETUDIANT, as_version=4)
    ids = [grade_id(c) for c in nb.cells]
    debut, fin = ids.index(f"ex{exercice}_reponse"), ids.index(f"ex{exercice}_verif")
    while debut > 0 and nb.cells[debut - 1].cell_type == "code":  # la cellule de la graine
        debut -= 1
    extrait = nbformat.v4.new_notebook(metadata=nb.metadata)
    extrait.cells = nb.cells[debut - 2:fin + 1]  # deux cellules d'énoncé avant
    sonde = exporter_et_rendre(extrait, mathjax, ARTEFACTS, f"rendu_ex{exercice}")
    assert sonde["formules_rendues"] >= 1 and sonde["erreurs_tex"] == [], sonde["erreurs_tex"]
    assert f"Exercice {exercice}." in sonde["texte"]
    page = (ARTEFACTS / f"rendu_ex{exercice}.html").read_text(encoding="utf-8")
    affiche = html.unescape(re.sub(r"<[^>]+>", "", page))  # le code tel qu'affiché, sans coloration
    assert "x_t = ..." in affiche or "x[t] = ..." in affiche  # le code des cellules est bien lu
    fuites = [s for s in secrets_du_maitre() if s in affiche]
    assert not fuites, f"Lignes de solution ou de test caché visibles : {fuites[:5]}"
    assert (ARTEFACTS / f"rendu_ex{exercice}.png").stat().st_size > 50_000
