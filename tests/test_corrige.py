"""``make corrige`` : le maître exécuté, sans tests cachés, en un HTML autonome avec ses figures."""
import html
import io
import re

import nbformat
import pytest

from autograder.cellules import lignes_tests_caches
from autograder.chemins import NOTEBOOK_MAITRE
from autograder.distribution.corrige import generer_corrige

pytestmark = pytest.mark.lent


def test_le_corrige_garde_les_solutions_et_les_figures_sans_les_tests_caches(tmp_path):
    journal = io.StringIO()
    page = generer_corrige(tmp_path, sortie=journal)
    progression = journal.getvalue()
    contenu = page.read_text(encoding="utf-8")
    # Texte de la page, balises et coloration syntaxique retirées.
    texte = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<(script|style)\b.*?</\1>", "", contenu, flags=re.DOTALL)))

    maitre = nbformat.read(NOTEBOOK_MAITRE, as_version=4)
    code = [c for c in maitre.cells if c.cell_type == "code"]
    sources = [c.source for c in code]
    secretes = lignes_tests_caches(code)
    assert len(secretes) > 20
    assert "HIDDEN TESTS" not in contenu
    fuites = [ligne for ligne in secretes if ligne in texte]
    assert not fuites, f"Tests cachés présents dans le corrigé : {fuites[:5]}"

    solutions = [ligne.strip() for s in sources for ligne in s.splitlines() if re.search(r"#\s*SOLUTION\s*$", ligne)]
    assert len(solutions) > 20 and all(ligne in texte for ligne in solutions), "Solutions absentes du corrigé."

    executees = nbformat.read(tmp_path / "tp_diffusion_corrige.ipynb", as_version=4)
    sorties = [o for c in executees.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in sorties if o.output_type == "error"], "Une cellule a échoué."
    figures = [o for o in sorties if "image/png" in o.get("data", {})]
    assert len(figures) >= 8  # bruitage x2, batch, perte, x̂0, trajectoire, 50 images, conditionnel
    # Autonome : figures et deux schémas embarqués en base64, aucune image par lien.
    assert contenu.count('src="data:image/png;base64,') >= len(figures) + 2
    assert not re.search(r'<img[^>]+src="(?!data:)', contenu)
    assert texte.count("correct.") >= 10 and "Corrigé." in texte

    # Progression : une ligne par cellule de code, et la barre de Keras pendant l'entraînement.
    lignes = re.findall(r"^\[\s*(\d+)/(\d+)\] (\S+) … ", progression, flags=re.MULTILINE)
    assert len(lignes) == int(lignes[0][1]) == len([s for s in sources if s.strip()]), progression
    assert re.search(r"^\s+\d+/\d+ ━+ .*loss", progression, flags=re.MULTILINE), progression
