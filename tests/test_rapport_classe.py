"""Rapport de la classe (``OUT/rapport_classe.html``) et classe de démonstration (``make demo``).

Tests rapides : un dossier OUT fait à la main (états, notebooks « corrigés » avec des
sorties d'erreur comme celles de nbgrader, dont des traces qui citent des tests cachés),
rendu dans Chromium sans tête (capture : ``build/artefacts/rapport_classe.png``).
Test lent (``lent``) : la classe de démonstration, corrigée par la vraie commande.
"""
import csv
import json
import re
import subprocess
import sys

import matplotlib.figure
import pytest
from bs4 import BeautifulSoup
from PIL import Image, ImageOps

import navigateur
from autograder.bareme import bareme, cellules_notees
from autograder.cellules import grade_id, source
from autograder.chemins import BUILD, NOTEBOOK_MAITRE, RACINE
from autograder.correction.demo import ecrire_classe_demo
from autograder.correction.sorties.notes import ligne_de_note
from autograder.correction.sorties.rapport import figure_resume
from autograder.correction.sorties.rapport_classe import (
    ecrire_rapport_classe,
    lignes_cachees,
    verifications_du_maitre,
)
from autograder.correction.sorties.similarites import SEUIL, ecrire_similarites
from autograder.remises_modeles import ecrire, remise

ARTEFACTS = BUILD / "artefacts"
ROUGE, VERT = "\x1b[31m", "\x1b[32m"


def lignes_cachees_du_maitre():
    """Toutes les lignes cachées du maître (assez longues pour être reconnues), espaces normalisés."""
    nb = json.loads(NOTEBOOK_MAITRE.read_text(encoding="utf-8"))
    publiques = {" ".join(ligne.split()) for c in nb["cells"] for ligne in source(c).splitlines()
                 if ligne not in lignes_cachees(source(c))}
    cachees = {" ".join(ligne.split()) for c in nb["cells"] for ligne in lignes_cachees(source(c))}
    return {ligne for ligne in cachees - publiques if len(ligne) > 15 and not ligne.startswith("#")}


def trace_ipython(lignes_contexte, fautive, nom, message):
    """Une trace comme celle qu'IPython écrit dans le notebook corrigé (couleurs ANSI comprises)."""
    contexte = [f"{VERT}     {i}\x1b[39m {ligne}" for i, ligne in enumerate(lignes_contexte, 1)]
    return [f"{ROUGE}-----\x1b[39m", f"{ROUGE}{nom}\x1b[39m   Traceback (most recent call last)",
            "\n".join([f"\x1b[36mCell In[6], line {len(contexte) + 1}\x1b[39m", *contexte,
                       f"{VERT}---> \x1b[39m{VERT}{len(contexte) + 1}\x1b[39m {fautive}"]),
            f"{ROUGE}{nom}\x1b[39m: {message}"]


def cellule_maitre(gid):
    nb = json.loads(NOTEBOOK_MAITRE.read_text(encoding="utf-8"))
    return next(source(c) for c in nb["cells"] if grade_id(c) == gid)


def erreur(gid, fautive, message, nom="AssertionError"):
    contexte = cellule_maitre(gid).splitlines()[:12]  # traces qui citent des lignes cachées
    return {"output_type": "error", "ename": nom, "evalue": message,
            "traceback": trace_ipython(contexte, fautive, nom, message)}


def faux_out(dossier, copies):
    """OUT minimal : ``copies`` = {étudiant: (notebook, {grade_id: sortie d'erreur}, scores)}."""
    lignes = []
    for i, (etudiant, (nb, erreurs, scores)) in enumerate(copies.items()):
        for cellule in nb["cells"]:
            if grade_id(cellule) in erreurs:
                cellule["outputs"] = [erreurs[grade_id(cellule)]]
        chemin = ecrire(nb, dossier / "cours" / "travail" / f"e{i}" / "autograded" / f"e{i}" / "tp_diffusion"
                        / "tp_diffusion.ipynb")
        resultat = {"scores": scores, "remarques": [], "erreur": None, "notebook_corrige": str(chemin),
                    "duree_s": 10.0 + i}
        etat = {"etudiant": etudiant, "resultat": resultat, "remarques": []}
        (dossier / "etat").mkdir(parents=True, exist_ok=True)
        (dossier / "etat" / f"e{i}.json").write_text(json.dumps(etat, ensure_ascii=False), encoding="utf-8")
        lignes.append(ligne_de_note(etudiant, resultat))
    return lignes


@pytest.fixture(scope="module")
def rapport(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("out")
    tout = {gid: p for gid, p in cellules_notees().items()}
    cache_ex1 = cellule_maitre("ex1_verif").splitlines()
    fautive_cachee = next(ligne for ligne in cache_ex1 if ligne.startswith("assert np.allclose(beta, _BETA_REF"))
    message_cache = re.search(r'"(.+)"', fautive_cachee)[1]
    visible = "beta[0] doit valoir 0 (pas de bruit au pas t = 0) ; ici beta[0] = 0.1."
    copies = {
        "Ana": (remise(), {}, tout),
        "Bruno": (remise(), {"ex1_verif": erreur("ex1_verif", 'assert beta[0] == 0, f"..."', visible)},
                  {**tout, "ex1_verif": 0.0}),
        "Chloé": (remise(), {"ex1_verif": erreur("ex1_verif", 'assert beta[0] == 0, f"..."', visible)},
                  {**tout, "ex1_verif": 0.0}),
        "Dan": (remise(), {"ex1_verif": erreur("ex1_verif", fautive_cachee, message_cache)},
                {**tout, "ex1_verif": 0.0}),
        # Un test caché sans message, et un message qui citerait une ligne cachée : jamais repris.
        "Élise": (remise(), {"ex1_verif": erreur("ex1_verif", fautive_cachee, ""),
                             "ex3_verif": erreur("ex3_verif", fautive_cachee, f"x {fautive_cachee}", "ValueError")},
                  {**tout, "ex1_verif": 0.0, "ex3_verif": 0.0}),
    }
    lignes = faux_out(dossier, copies)
    lignes[-1]["statut"] = "cellule ex5_reponse neutralisée : elle a arrêté le noyau Python"
    paires = ecrire_similarites(sortie=dossier, lignes=lignes)
    chemin = ecrire_rapport_classe(sortie=dossier, lignes=lignes, paires=paires, duree_s=125.0)
    return chemin, lignes, message_cache


def espaces(texte):
    """Espaces ordinaires regroupés ; les insécables (typographie française) restent."""
    return re.sub(r"[ \t\r\n]+", " ", texte).strip()


def texte_de(chemin):
    return espaces(BeautifulSoup(chemin.read_text(encoding="utf-8"), "html.parser").get_text(" "))


def test_messages_d_echec_regroupes_et_comptes(rapport):
    chemin, _, message_cache = rapport
    soupe = BeautifulSoup(chemin.read_text(encoding="utf-8"), "html.parser")
    titre = next(h for h in soupe.find_all("h3") if "(ex1_verif)" in h.get_text())
    assert "Vérification de l'exercice 1" in titre.get_text() and "points" not in titre.get_text()
    items = [espaces(li.get_text(" ")) for li in titre.find_next("ul").find_all("li")]
    assert items[0].startswith("2 étudiants AssertionError\u00a0: beta[0] doit valoir 0")
    assert any(i.startswith("1 étudiant test caché AssertionError\u00a0: " + message_cache) for i in items)
    assert any("échec d'un test caché de «\u00a0Vérification de l'exercice 1\u00a0»" in i for i in items)
    assert len(items) == 3


def test_aucune_ligne_de_test_cache_dans_le_rapport(rapport):
    chemin = rapport[0]
    cachees = lignes_cachees_du_maitre()
    assert len(cachees) > 30
    texte = " ".join(chemin.read_text(encoding="utf-8").split())
    visible = texte_de(chemin)
    fuites = [ligne for ligne in cachees if ligne in texte or ligne in visible]
    assert not fuites, fuites[:3]
    assert "_tp_apres_cette_cellule" not in texte and "HIDDEN" not in texte and "_BETA_REF" not in texte


def test_reussite_statuts_duree_et_page_autonome(rapport):
    chemin = rapport[0]
    texte = texte_de(chemin)
    assert "5 copies" in texte and "cette exécution\u00a0: 2,1\u00a0min" in texte
    assert "cellule ex5_reponse neutralisée" in texte
    soupe = BeautifulSoup(chemin.read_text(encoding="utf-8"), "html.parser")
    ligne_ex1 = next(tr for tr in soupe.find_all("tr") if tr.find("td") and tr.td.get_text() == "ex1")
    assert [td.get_text() for td in ligne_ex1.find_all("td")][1:] == ["2", "0,40", "20\u00a0%"]
    sources = [t.get("src") or t.get("href") for t in soupe.find_all(["img", "script", "link"])]
    assert sources and all(s and s.startswith("data:image/png;base64,") for s in sources)
    assert "http" not in chemin.read_text(encoding="utf-8")


def test_histogrammes_en_nombres_entiers_d_etudiants(rapport, monkeypatch, tmp_path):
    """resume.png et le rapport comptent des étudiants : graduations entières (pas 0,2, 0,4…)."""
    figures = []
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", lambda self, *a, **k: figures.append(self))
    lignes = rapport[1][:3]
    figure_resume(lignes, tmp_path / "resume.png")
    ecrire_rapport_classe(sortie=rapport[0].parent, lignes=lignes, paires=[])
    assert len(figures) == 2
    for figure in figures:
        graduations = figure.axes[0].get_yticks()
        assert len(graduations) >= 2 and all(float(g).is_integer() for g in graduations), graduations


@pytest.fixture(scope="module")
def chromium():
    if not navigateur.trouver_chromium():
        navigateur.installer_paquets_debian("chromium")
    if not navigateur.trouver_chromium():
        pytest.skip("Chromium introuvable et impossible à installer ici (apt-get absent ou pas root) : "
                    "rendu du rapport ignoré. Pour le lancer : « apt-get install chromium ».")


def rendre_rapport(chemin, nom):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTEFACTS / f"{nom}.html"
    page.write_text(navigateur.avec_sonde(chemin.read_text(encoding="utf-8")), encoding="utf-8")
    capture = ARTEFACTS / f"{nom}.png"
    sonde = navigateur.rendre(page, capture, largeur=1200, hauteur_max=12000)
    # La fenêtre est plus haute que la page : on coupe le blanc du bas.
    with Image.open(capture) as image:
        cadre = ImageOps.invert(image.convert("RGB")).getbbox()
        if cadre:
            image.crop((0, 0, image.width, min(image.height, cadre[3] + 20))).save(capture)
    return sonde


def test_le_rapport_s_affiche_dans_chromium(rapport, chromium):
    sonde = rendre_rapport(rapport[0], "rapport_classe_test")
    assert sonde["encodage"] == "UTF-8"
    for titre in ["rapport de la classe", "Réussite par exercice", "Ce que la classe a manqué",
                  "Remises à examiner", "Réponses partagées", "Temps de correction"]:
        assert titre in sonde["texte"], titre
    assert not re.search("Ã|Â|â€|\ufffd", sonde["texte"])
    assert (ARTEFACTS / "rapport_classe_test.png").stat().st_size > 30_000


@pytest.mark.lent
def test_la_classe_de_demonstration_corrigee(tmp_path, chromium):
    """La démonstration, corrigée par la vraie commande : rapport, paire copiée signalée, et elle seule."""
    classe = ecrire_classe_demo(tmp_path / "remises", taille=8)
    assert len(classe.etudiants) == 8
    assert all(re.fullmatch(r".+_\d+_assignsubmission_file_", e.chemin.parent.name) for e in classe.etudiants)
    sortie = tmp_path / "sortie"
    execution = subprocess.run(
        [sys.executable, "-m", "autograder.correction.classe", str(classe.dossier), "--sortie", str(sortie),
         "--processus", "2"],
        cwd=RACINE, capture_output=True, text=True, timeout=1500, check=False)
    assert execution.returncode == 0, execution.stdout + execution.stderr
    assert "Rapport de la classe :" in execution.stdout, execution.stdout
    with open(sortie / "similarites.csv", encoding="utf-8", newline="") as fichier:
        paires = list(csv.DictReader(fichier))
    assert [(p["etudiant_a"], p["etudiant_b"]) for p in paires] == [classe.paire_copiee], paires
    assert float(paires[0]["score"]) >= SEUIL and "ex2" in paires[0]["exercices"].split()
    with open(sortie / "notes.csv", encoding="utf-8", newline="") as fichier:
        notes = {ligne["student_id"]: ligne for ligne in csv.DictReader(fichier)}
    assert float(notes[classe.nom("inhabituelle")]["note_sur_20"]) == 20  # inhabituel, mais juste
    assert float(notes[classe.nom("vierge")]["note_sur_20"]) == 0
    texte = texte_de(sortie / "rapport_classe.html")
    assert f"{classe.paire_copiee[0]} et {classe.paire_copiee[1]} — score" in texte
    assert "alpha_barre_t doit être le produit des alpha_s" in texte  # le message reçu par Léa Petit
    cachees = lignes_cachees_du_maitre()
    assert not [ligne for ligne in cachees if ligne in texte]
    sonde = rendre_rapport(sortie / "rapport_classe.html", "rapport_classe")
    assert "Réponses partagées" in sonde["texte"]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "similarites_demo.csv").write_bytes((sortie / "similarites.csv").read_bytes())
    assert set(bareme()) <= set(notes[classe.nom("vierge")])
    assert verifications_du_maitre()


def test_tableau_des_etudiants_noms_des_messages_et_separation(tmp_path):
    """Le tableau des étudiants (participant, points, statut, lien, signalements), les noms sous
    chaque message regroupé, une exception brute en français, et ce qui sépare les étudiants."""
    from autograder.correction.sorties.rapport_classe import en_francais, separation

    tout = dict(cellules_notees())
    ellipse = {"output_type": "error", "ename": "TypeError", "evalue": "'ellipsis' object is not subscriptable",
               "traceback": trace_ipython(["x = alpha_barre[T]"], "x = alpha_barre[T]", "TypeError",
                                          "'ellipsis' object is not subscriptable")}
    copies = {
        "Ana Roux": (remise(), {}, tout),
        "Alice Martin (101)": (remise(), {"ex2b_verif": ellipse},
                               {**tout, "ex2b_verif": 0.0, "ex9_verif": 1.5, "ex7_verif": 0.0, "ex8_verif": 0.0}),
        "Alice Martin (202)": (remise(), {"ex2b_verif": ellipse}, {**tout, "ex2b_verif": 0.0}),
        "Zoé Petit": (remise(), {}, {**tout, "ex7_verif": 0.0, "ex8_verif": 0.0, "ex9_verif": 0.0}),
    }
    lignes = faux_out(tmp_path, copies)
    for fichier in sorted((tmp_path / "etat").glob("*.json")):
        etat = json.loads(fichier.read_text(encoding="utf-8"))
        numero = {"Alice Martin (101)": "101", "Alice Martin (202)": "202"}.get(etat["etudiant"])
        etat.update(participant=numero, nom_complet="Alice Martin" if numero else None)
        if etat["etudiant"] == "Zoé Petit":
            etat["resultat"]["signalements"] = [{"cellule": "ex1_reponse", "ligne": 3,
                                                 "raison": "modifie le module numpy"}]
        fichier.write_text(json.dumps(etat, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "Alice Martin (101).html").write_text("<html></html>", encoding="utf-8")
    chemin = ecrire_rapport_classe(sortie=tmp_path, lignes=lignes, paires=[], duree_s=60.0)
    soupe = BeautifulSoup(chemin.read_text(encoding="utf-8"), "html.parser")
    tableau = soupe.find("table", class_="etudiants")
    rangs = {tr.td.get_text(): [td for td in tr.find_all("td")] for tr in tableau.find_all("tr") if tr.td}
    alice = rangs["Alice Martin (101)"]
    assert [td.get_text() for td in alice[:5]] == ["Alice Martin (101)", "101", "14,5", "2", "2"]
    assert alice[-2].a["href"] == "feedback/Alice%20Martin%20%28101%29.html"
    assert rangs["Alice Martin (202)"][1].get_text() == "202" and rangs["Ana Roux"][1].get_text() == "–"
    assert "ex1_reponse, ligne 3\u00a0: modifie le module numpy" in rangs["Zoé Petit"][-1].get_text()
    assert "une raison de regarder, pas un verdict" in espaces(soupe.get_text(" "))
    # les noms derrière le message regroupé, en français
    titre = next(h for h in soupe.find_all("h3") if "(ex2b_verif)" in h.get_text())
    item = espaces(titre.find_next("ul").li.get_text(" "))
    assert item.startswith("2 étudiants la cellule n'a pas été complétée")
    assert "Alice Martin (101), Alice Martin (202)" in item and "ellipsis" not in item
    # séparation : ex9 réussi par les meilleures copies seulement
    ligne_ex9 = next(tr for tr in soupe.find_all("tr") if tr.td and tr.td.get_text().startswith(
        "Vérification de l'exercice 9"))
    # réussir ex9 : Ana (reste de la note 18) et Alice 202 (17) ; manquer : Alice 101 (13) et Zoé (14)
    assert [td.get_text() for td in ligne_ex9.find_all("td")][3:6] == ["50\u00a0%", "+0,97", "sépare nettement"]
    assert "." not in "".join(td.get_text() for td in tableau.find_all("td")[2:])  # virgule décimale
    assert en_francais("NameError", "name 'beta' is not defined").startswith("«\u00a0beta\u00a0» n'est pas défini")
    assert en_francais("AssertionError", "alpha faux") is None
    assert separation([True, True, True], [1.0, 2.0, 3.0]) is None


def test_la_demonstration_liste_ses_sorties_et_sa_feuille_moodle(tmp_path):
    from autograder.correction.demo import ecrire_fiche_demo, inventaire
    from autograder.correction.sorties.fiche_moodle import lire_fiche

    classe = ecrire_classe_demo(tmp_path / "remises", taille=6)
    fiche = ecrire_fiche_demo(tmp_path / "feuille.csv", classe)
    assert lire_fiche(fiche.read_bytes()).langue.code == "fr"
    (tmp_path / "resultats" / "feedback").mkdir(parents=True)
    (tmp_path / "resultats" / "feedback" / "a.html").write_text("x" * 2500, encoding="utf-8")
    (tmp_path / "resultats" / "notes.csv").write_text("student_id\n", encoding="utf-8")
    lignes = inventaire(tmp_path / "resultats")
    assert lignes[0].startswith("feedback/") and "1 fichier(s), 2\u00a0ko" in lignes[0].replace(" ko", "\u00a0ko")
    assert lignes[1].startswith("notes.csv") and "11 o" in lignes[1]
