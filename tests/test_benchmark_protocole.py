"""Protocole du banc d'essai sur plusieurs graines (issue #11) : statistiques, règle de
décision, cache des exécutions, registre des variantes, rapport. Aucun entraînement : des
exécutions fabriquées à la main, des millisecondes."""
import json
import statistics
import sys
from pathlib import Path

import pytest

from autograder.typographie import corriger_markdown

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE / "benchmarks"))
# benchmarks/ est un dossier de scripts, pas un paquet : ses modules s'importent une fois
# le dossier ajouté au chemin, d'où les imports après sys.path.insert.
import master as M  # noqa: E402
import protocole as P  # noqa: E402
import publication as PUB  # noqa: E402
import rapport as RAP  # noqa: E402
import variantes as V  # noqa: E402

BUDGET = {"epochs": 20, "n_images": 0, "n_samples": 1000, "n_train": 5000}


def execution(variante, graine, confiants, fd=50.0, hist=None, budget=BUDGET, **extra):
    hist = hist or [0.1] * 10
    chemin = {"n": 1000, "confiants": confiants, "fd": fd, "histogramme": hist,
              "classe_min": min(hist), "classe_max": max(hist), **extra}
    return {"variante": variante, "graine": graine, "cle": {"budget": budget, "code": "x"},
            "date": f"2026-01-0{graine} 10:00", "description": "",
            "contexte": {"donnees": "d", "versions": "v",
                         "juge": {"n_train": 5000, "source": "s", "precision": 0.98, "n_test": 5000,
                                  "n_reference": 4000, "n_reel": 1000, "fd_reel": 2.0, "confiants_reel": 0.95}},
            "entrainement": {"perte": [0.1, 0.03], "ms_par_pas_moyen": 60.0},
            "chemins": {"σ²=β": chemin}}


def test_graines_lues_et_refusees_clairement():
    assert P.lire_graines("1,2,3") == [1, 2, 3]
    assert P.lire_graines(" 4 , 5,") == [4, 5]
    for mauvais in ("", "1,a", "2,2"):
        with pytest.raises(ValueError, match="graines"):
            P.lire_graines(mauvais)


def test_moyenne_et_ecart_type_corrige():
    valeurs = [0.576, 0.348, 0.51]
    r = P.resumer(valeurs)
    assert r.n == 3
    assert r.moyenne == pytest.approx(statistics.mean(valeurs))
    assert r.ecart_type == pytest.approx(statistics.stdev(valeurs))
    assert "n = 1" in P.resumer([0.5]).texte()
    assert P.pourcent(P.Resume(0.5, 0.02, 3)) == "50.0 ± 2.0 %"


def test_gain_seulement_au_dela_de_la_dispersion_des_graines():
    ref = P.Resume(0.40, 0.05, 3)
    assert P.verdict(P.Resume(0.55, 0.05, 3), ref, +1) == "gain"      # écart 0,15 > 0,10
    assert P.verdict(P.Resume(0.48, 0.05, 3), ref, +1) == "non significatif"  # 0,08 <= 0,10
    assert P.verdict(P.Resume(0.25, 0.05, 3), ref, +1) == "perte"
    # FD : plus petit est meilleur
    assert P.verdict(P.Resume(20.0, 2.0, 3), P.Resume(50.0, 5.0, 3), P.MESURES["fd"]) == "gain"
    assert P.verdict(P.Resume(0.9, 0.0, 1), ref, +1).startswith("non significatif")


def test_cache_reprend_seulement_le_meme_budget_et_le_meme_code(tmp_path):
    e = execution("maitre", 1, 0.4)
    chemin = P.ecrire_execution(tmp_path, e)
    assert chemin.name == "maitre-graine1.json"
    assert not list(tmp_path.glob("*.partiel"))
    assert P.execution_faite(tmp_path, "maitre", 1, e["cle"])
    assert not P.execution_faite(tmp_path, "maitre", 2, e["cle"])
    assert not P.execution_faite(tmp_path, "maitre", 1, {**e["cle"], "code": "autre"})
    (tmp_path / "plongement-graine1.json").write_text("{ tronqué", encoding="utf-8")
    assert not P.execution_faite(tmp_path, "plongement", 1, e["cle"])


def test_lecture_garde_le_budget_majoritaire_et_dit_pourquoi(tmp_path):
    for g in (1, 2):
        P.ecrire_execution(tmp_path, execution("maitre", g, 0.4))
    P.ecrire_execution(tmp_path, execution("plongement", 1, 0.6, budget={**BUDGET, "epochs": 2}))
    (tmp_path / "cosinus-graine1.json").write_text("pas du JSON", encoding="utf-8")
    lecture = P.lire_executions(tmp_path)
    assert sorted((e["variante"], e["graine"]) for e in lecture.executions) == [("maitre", 1), ("maitre", 2)]
    raisons = dict(lecture.ignorees)
    assert "autre budget" in raisons["plongement-graine1.json"]
    assert "illisible" in raisons["cosinus-graine1.json"]
    # budget imposé : l'autre est gardé
    lecture = P.lire_executions(tmp_path, {**BUDGET, "epochs": 2})
    assert [e["variante"] for e in lecture.executions] == ["plongement"]


def test_regrouper_par_variante_et_par_chiffre():
    ex = [execution("maitre", 1, 0.3, hist=[0.05] + [0.95 / 9] * 9),
          execution("maitre", 2, 0.5, hist=[0.15] + [0.85 / 9] * 9),
          execution("plongement", 1, 0.6)]
    g = P.regrouper(ex, "σ²=β")
    assert g["maitre"]["graines"] == [1, 2]
    assert g["maitre"]["confiants"].moyenne == pytest.approx(0.4)
    assert g["maitre"]["histogramme"][0].moyenne == pytest.approx(0.10)
    assert g["plongement"]["confiants"].n == 1
    assert P.regrouper(ex, "chemin absent") == {}


def test_registre_choix_et_messages():
    assert [v.nom for v in V.choisir("")] == list(V.VARIANTES)
    assert [v.nom for v in V.choisir("plongement,maitre,plongement")] == ["plongement", "maitre"]
    with pytest.raises(ValueError, match="inconnue.*zzz"):
        V.choisir("maitre,zzz")
    assert V.REFERENCE in V.VARIANTES
    assert V.VARIANTES["conditionnel"].cellule == "complementaire_entrainement"


def test_recette_cosinus_change_une_seule_ligne_du_maitre():
    sources = M.sources_des_cellules()
    base = V.source_entrainement(V.VARIANTES["maitre"], sources, M.remplacer_une_fois)
    assert base == sources["entrainement"]
    cos = V.source_entrainement(V.VARIANTES["cosinus"], sources, M.remplacer_une_fois)
    diff = [(a, b) for a, b in zip(base.splitlines(), cos.splitlines(), strict=True) if a != b]
    assert len(diff) == 1 and "_taux_benchmark" in diff[0][1]
    with pytest.raises(RuntimeError, match="0 occurrence"):
        V.source_entrainement(V.VARIANTES["cosinus"], {"entrainement": "model.fit(x)\n"}, M.remplacer_une_fois)
    # empreintes : différentes d'une variante à l'autre, stables pour une même variante
    e1 = V.empreinte(V.VARIANTES["maitre"], sources, base)
    assert e1 == V.empreinte(V.VARIANTES["maitre"], sources, base)
    assert e1 != V.empreinte(V.VARIANTES["cosinus"], sources, cos)
    code = "\n".join(V.code_des_constructeurs(["create_unet_plongement"]))
    assert "def create_unet_plongement" in code and "def biais_du_pas" in code  # appelée
    assert "def bloc_residuel" not in code and "def flops_avant" not in code   # non appelées
    assert '"""' not in code  # docstrings retirées : les reformuler ne périme aucun résultat
    # la description n'entre pas dans l'empreinte
    from dataclasses import replace
    autre = replace(V.VARIANTES["maitre"], description="reformulée")
    assert V.empreinte(autre, sources, base) == e1


def test_rapport_dit_gain_et_non_significatif(tmp_path):
    ex = ([execution("maitre", g, c, fd=60.0 + g) for g, c in ((1, 0.35), (2, 0.40), (3, 0.45))]
          + [execution("plongement", g, c, fd=30.0 + g) for g, c in ((1, 0.60), (2, 0.62), (3, 0.64))]
          + [execution("cosinus", g, c, fd=60.0 + g) for g, c in ((1, 0.30), (2, 0.45), (3, 0.50))])
    for e in ex:
        P.ecrire_execution(tmp_path, e)
    R = RAP.construire(P.lire_executions(tmp_path), None, commande="make benchmark GRAINES=1,2,3",
                       variantes=V.VARIANTES, reference="maitre", chemins=["σ²=β"])
    assert R["verdicts"]["σ²=β"]["plongement"]["confiants"] == "gain"
    assert R["verdicts"]["σ²=β"]["plongement"]["fd"] == "gain"
    assert R["verdicts"]["σ²=β"]["cosinus"]["confiants"] == "non significatif"
    texte = corriger_markdown(RAP.markdown(json.loads(json.dumps(R))))  # le rapport se relit depuis son JSON
    ligne = next(ligne for ligne in texte.splitlines() if ligne.startswith("| `plongement` | 3 |"))
    assert "62.0 ± 2.0\u202f%" in ligne and "gain" in ligne
    assert "non significatif" in next(ligne for ligne in texte.splitlines() if ligne.startswith("| `cosinus` | 3 |"))
    assert "make benchmark GRAINES=1,2,3" in texte
    cible = next(ligne for ligne in texte.splitlines() if ligne.startswith("| `plongement` | chemin par défaut ≥ 60 %"))
    assert "62.0 ± 2.0\u202f%" in cible and "| atteinte |" in cible
    cible = next(ligne for ligne in texte.splitlines() if ligne.startswith("| `maitre` | chemin par défaut ≥ 60 %"))
    assert "non atteinte" in cible
    assert str(RACINE) not in texte and "/work" not in texte
    assert RAP.assez_de_graines(ex) and not RAP.assez_de_graines(ex[:5])


def test_commande_make_ne_cite_que_ce_qui_change():
    defauts = {"epochs": 20, "n_images": 0, "n_samples": 1000}
    assert RAP.commande_make([], "1,2,3", defauts, defauts) == "make benchmark GRAINES=1,2,3"
    assert (RAP.commande_make(["maitre"], "1", {**defauts, "epochs": 2}, defauts)
            == "make benchmark VARIANTES=maitre GRAINES=1 EPOCHS=2")


BUDGET_TP = {"epochs": 240, "n_images": 0, "n_samples": 1000, "n_train": 5000}


def test_budget_des_etudiants_reconnu_a_ses_iterations():
    assert RAP.pas_du_budget(BUDGET) == 3120 and not RAP.budget_etudiants(BUDGET)
    assert RAP.pas_du_budget(BUDGET_TP) == 37440 and RAP.budget_etudiants(BUDGET_TP)
    assert RAP.budget_etudiants({"epochs": 20, "n_images": 0, "n_samples": 1000, "n_train": 60000})
    un = [execution("maitre", 1, 0.7, budget=BUDGET_TP), execution("plongement", 1, 0.8, budget=BUDGET_TP)]
    # une graine suffit à publier au budget des étudiants (~40 min par exécution), pas au budget du banc
    assert RAP.graines_minimum(un) == 1 and RAP.assez_de_graines(un, graines=RAP.graines_minimum(un))
    proxy = [execution("maitre", 1, 0.4), execution("plongement", 1, 0.5)]
    assert RAP.graines_minimum(proxy) == 3 and not RAP.assez_de_graines(proxy, graines=RAP.graines_minimum(proxy))


def test_rapport_au_budget_des_etudiants_juge_ses_propres_cibles(tmp_path):
    equilibre = [0.1] * 10
    penche = [0.24, 0.04] + [0.09] * 8
    for e in (execution("maitre", 1, 0.74, fd=40.0, hist=penche, budget=BUDGET_TP),
              execution("plongement", 1, 0.88, fd=15.0, hist=equilibre, budget=BUDGET_TP)):
        P.ecrire_execution(tmp_path, e)
    commande = RAP.commande_make(["maitre", "plongement"], "1", BUDGET_TP, {"epochs": 20, "n_images": 0,
                                 "n_samples": 1000}, cible="benchmark-budget-tp")
    assert commande == "make benchmark-budget-tp VARIANTES=maitre,plongement GRAINES=1"
    R = RAP.construire(P.lire_executions(tmp_path), None, commande=commande, variantes=V.VARIANTES,
                       reference="maitre", chemins=["σ²=β"], nom="benchmark_budget_tp")
    texte = corriger_markdown(RAP.markdown(json.loads(json.dumps(R))))
    assert "au budget des étudiants" in texte and "37440 itérations" in texte
    assert "--resultats docs/benchmark_budget_tp_runs --nom benchmark_budget_tp" in texte
    lignes = texte.splitlines()
    def cible(debut):
        return next(ligne for ligne in lignes if ligne.startswith(debut))
    assert "non atteinte" in cible("| `maitre` | chemin par défaut ≥ 85 %")
    assert "| atteinte |" in cible("| `plongement` | chemin par défaut ≥ 85 %")
    assert "4.0 à 24.0\u202f%" in cible("| `maitre` | … chaque chiffre entre 5 et 15 %")
    assert "non atteinte" in cible("| `maitre` | … chaque chiffre entre 5 et 15 %")
    assert "| atteinte |" in cible("| `plongement` | … chaque chiffre entre 5 et 15 %")
    fd = cible("| `plongement` | … FD ≤ la moitié de celle de `maitre` (40.0)")
    assert "15.0 (n = 1)" in fd and "| atteinte |" in fd
    assert "≥ 60\u202f%" not in texte and "Coût d'une itération" not in texte  # cibles et coût du banc : ailleurs


def _recette(tmp_path, mesures):
    """Rapport au budget des étudiants de `maitre` sur les graines données : {graine: (confiants
    et FD du chemin par défaut, confiants et FD des poids moyennés, parts des chiffres)}."""
    for g, (c, fd, c_ema, fd_ema, hist) in mesures.items():
        e = execution("maitre", g, c, fd=fd, hist=hist, budget=BUDGET_TP)
        e["chemins"]["EMA 0,999, σ²=β"] = {**e["chemins"]["σ²=β"], "confiants": c_ema, "fd": fd_ema}
        P.ecrire_execution(tmp_path, e)
    R = RAP.construire(P.lire_executions(tmp_path), None, commande="make benchmark-budget-tp",
                       variantes=V.VARIANTES, reference="maitre", chemins=["σ²=β", "EMA 0,999, σ²=β"],
                       nom="benchmark_budget_tp")
    texte = corriger_markdown(RAP.markdown(json.loads(json.dumps(R))))
    section = texte.split("## Recette des étudiants (issue #21)")[1].split("\n## ")[0]
    return R, section


def test_recette_des_etudiants_change_seulement_sur_un_gain_des_deux_mesures(tmp_path):
    """Issue #21 : les poids moyennés deviennent la recette seulement s'ils gagnent, selon la
    règle, sur la part de confiants ET la FD, sur 3 graines ; les cibles (≥ 75 %, FD ≤ 15, chaque
    chiffre entre 5 et 15 %) se jugent sur le chemin par défaut."""
    equilibre = [0.1] * 10
    penche = [0.24, 0.04] + [0.09] * 8
    gagne = {1: (0.60, 25.0, 0.80, 10.0, equilibre), 2: (0.62, 24.0, 0.81, 11.0, equilibre),
             3: (0.64, 23.0, 0.82, 12.0, equilibre)}
    R, section = _recette(tmp_path / "gagne", gagne)
    assert RAP.decision_recette(R)[0]["confiants"] == "gain" and RAP.decision_recette(R)[0]["fd"] == "gain"
    assert "`use_ema` devient la recette par défaut" in section and "inchangée" not in section
    assert "| « EMA 0,999, σ²=β » | 1, 2, 3 | 81.0 ± 1.0 % | 11.0 ± 1.0 |" in section
    # le chemin par défaut manque ses trois cibles, sur 3 graines : dit sans réserve
    assert "| ≥ 75\u202f% confiants | 62.0 ± 2.0 % | 3 sur 3 | **non atteinte** |" in section
    assert "| FD ≤ 15 | 24.0 ± 1.0 | 3 sur 3 | **non atteinte** |" in section
    assert "| chaque chiffre entre 5 et 15 % | 10.0 à 10.0 % | 3 sur 3 | atteinte |" in section

    dispersee = {1: (0.60, 25.0, 0.55, 10.0, penche), 2: (0.70, 24.0, 0.85, 11.0, penche),
                 3: (0.80, 14.0, 0.80, 12.0, penche)}
    R, section = _recette(tmp_path / "disperse", dispersee)
    assert RAP.decision_recette(R)[0]["confiants"] == "non significatif"
    assert "`use_ema` devient" not in section and "confiants\xa0: non significatif" in section
    assert "recette inchangée" in section
    assert "| ≥ 75\u202f% confiants | 70.0 ± 10.0 % | 3 sur 3 | **non atteinte** |" in section
    assert "4.0 à 24.0 % | 3 sur 3 | **non atteinte** |" in section

    R, section = _recette(tmp_path / "deux", {g: gagne[g] for g in (1, 2)})
    assert "pas encore : 2 graines sur les 3 exigées" in section and "`use_ema` devient" not in section
    assert "| 2 sur 3 | **non atteinte** (moins de 3 graines) |" in section


def test_rapport_dit_quels_echantillons_sont_publies(tmp_path):
    """Chaque exécution dit ses fichiers d'échantillons (jugeables par un tiers), ou qu'elle n'en a pas."""
    ancienne = execution("maitre", 1, 0.6, budget=BUDGET_TP)
    recente = execution("maitre", 2, 0.7, budget=BUDGET_TP)
    recente["echantillons"] = {"σ²=β": "maitre-graine2-beta.npy",
                               "EMA 0,999, σ²=β̃": "maitre-graine2-ema999-beta-tilde.npy"}
    for e in (recente, ancienne):
        P.ecrire_execution(tmp_path, e)
    R = RAP.construire(P.lire_executions(tmp_path), None, commande="make benchmark-budget-tp", variantes=V.VARIANTES,
                       reference="maitre", chemins=["σ²=β"], nom="benchmark_budget_tp")
    texte = corriger_markdown(RAP.markdown(json.loads(json.dumps(R))))
    section = texte.split("## Échantillons publiés")[1]
    assert "`docs/benchmark_budget_tp_runs/`" in section
    lignes = [ligne for ligne in section.splitlines() if ligne.startswith("| `maitre-graine")]
    assert lignes[0].startswith("| `maitre-graine1.json` | 2026-01-01 10:00 | aucun")
    assert lignes[1] == ("| `maitre-graine2.json` | 2026-01-02 10:00 | `maitre-graine2-beta.npy` (« σ²=β »), "
                         "`maitre-graine2-ema999-beta-tilde.npy` (« EMA 0,999, σ²=β̃ ») |")


def test_rapport_dit_quand_des_juges_differents_ont_note_les_executions(tmp_path):
    """Le juge (graine fixe) n'est pas reproductible d'une machine à l'autre : le rapport ne dit
    « le même pour toutes les exécutions » que s'il l'est, et sinon qui a noté quoi."""
    autre = execution("maitre", 2, 0.7)
    autre["contexte"]["juge"] = {**autre["contexte"]["juge"], "precision": 0.9788, "fd_reel": 2.34}
    for e in (execution("maitre", 1, 0.6), execution("plongement", 1, 0.6)):
        P.ecrire_execution(tmp_path, e)
    def entete():
        R = RAP.construire(P.lire_executions(tmp_path), None, commande="make benchmark", variantes=V.VARIANTES,
                           reference="maitre", chemins=["σ²=β"])
        return next(ligne for ligne in corriger_markdown(RAP.markdown(json.loads(json.dumps(R)))).splitlines()
                    if ligne.startswith("- Juge"))
    assert entete().startswith("- Juge (le même pour toutes les exécutions, graine fixe)")
    P.ecrire_execution(tmp_path, autre)
    ligne = entete()
    assert "le même pour toutes" not in ligne and "2 versions" in ligne
    assert ("précision 98.00 %, FD réel 2.00 : `maitre-graine1.json`, `plongement-graine1.json` ; "
            "précision 97.88 %, FD réel 2.34 : `maitre-graine2.json`") in ligne


def test_nombre_d_etapes_situe_une_graine_et_tranche_a_partir_de_deux(tmp_path):
    """Issue #21 : à une graine, une variante en T est située par rapport à CHAQUE graine de la
    référence (pas de verdict) ; à 2 graines ou plus, la règle tranche."""
    for g, (c, fd) in enumerate([(0.60, 30.0), (0.65, 25.0), (0.70, 20.0)], start=1):
        P.ecrire_execution(tmp_path, execution("maitre", g, c, fd=fd, budget=BUDGET_TP))
    P.ecrire_execution(tmp_path, execution("t20", 1, 0.75, fd=15.0, budget=BUDGET_TP))
    P.ecrire_execution(tmp_path, execution("t50", 1, 0.66, fd=35.0, budget=BUDGET_TP))
    def section():
        R = RAP.construire(P.lire_executions(tmp_path), None, commande="x", variantes=V.VARIANTES,
                           reference="maitre", chemins=["σ²=β"], nom="benchmark_budget_tp")
        texte = corriger_markdown(RAP.markdown(json.loads(json.dumps(R))))
        return texte.split("## Nombre d'étapes T (issue #21)")[1].split("\n## ")[0]
    lignes = section().splitlines()
    assert ("| « σ²=β » | `maitre` | 10 | 1, 2, 3 | 65.0 ± 5.0 % (60.0 à 70.0 %) "
            "| 25.0 ± 5.0 (30.0 à 20.0) | référence |") in lignes
    assert ("| « σ²=β » | `t20` | 20 | 1 | 75.0 % (n = 1) | 15.0 (n = 1) "
            "| mieux que chaque graine ; mieux que chaque graine |") in lignes
    assert ("| « σ²=β » | `t50` | 50 | 1 | 66.0 % (n = 1) | 35.0 (n = 1) "
            "| dans leur étendue ; moins bien que chaque graine |") in lignes
    for g, (c, fd) in ((2, (0.80, 14.0)), (3, (0.78, 16.0))):  # t20 à 3 graines : la règle tranche
        P.ecrire_execution(tmp_path, execution("t20", g, c, fd=fd, budget=BUDGET_TP))
    t20 = next(ligne for ligne in section().splitlines() if ligne.startswith("| « σ²=β » | `t20`"))
    assert t20.endswith(corriger_markdown("| gain ; gain |")) and "| 1, 2, 3 |" in t20


def _publier(campagne, docs, nom="benchmark_budget_tp"):
    return PUB.publier(P.lire_executions(campagne), resultats=campagne, docs=docs, nom=nom, chemins=["σ²=β"],
                       defauts={"epochs": 20, "n_images": 0, "n_samples": 1000}, graines="1")


def test_une_execution_publiee_rejoint_celles_deja_publiees(tmp_path, capsys):
    """Sur un clone neuf, build/ n'a que la nouvelle exécution : le rapport publié garde les
    autres ; une exécution refaite (même variante, même graine) remplace la publiée et ses
    anciens échantillons, et le journal le dit."""
    docs, campagne = tmp_path / "docs", tmp_path / "build"
    runs = docs / "benchmark_budget_tp_runs"
    for g in (1, 2, 3):
        e = execution("maitre", g, 0.6 + g / 100, budget=BUDGET_TP)
        e["echantillons"] = {"σ²=β": f"maitre-graine{g}-beta.npy"}
        P.ecrire_execution(runs, e)
        (runs / f"maitre-graine{g}-beta.npy").write_bytes(b"ancien")
    nouvelle = execution("t20", 1, 0.7, budget=BUDGET_TP)
    nouvelle["echantillons"] = {"σ²=β": "t20-graine1-beta.npy"}
    refaite = execution("maitre", 3, 0.5, budget=BUDGET_TP)
    refaite["date"] = "2026-02-01 10:00"
    refaite["echantillons"] = {"σ²=β̃": "maitre-graine3-beta-tilde.npy"}
    for e in (nouvelle, refaite):
        P.ecrire_execution(campagne, e)
        (campagne / next(iter(e["echantillons"].values()))).write_bytes(b"neuf")

    rapport = _publier(campagne, docs)

    assert sorted(f.name for f in runs.iterdir()) == [
        "maitre-graine1-beta.npy", "maitre-graine1.json", "maitre-graine2-beta.npy", "maitre-graine2.json",
        "maitre-graine3-beta-tilde.npy", "maitre-graine3.json", "t20-graine1-beta.npy", "t20-graine1.json"]
    assert "maitre-graine3.json : remplace l'exécution publiée du 2026-01-03 10:00" in capsys.readouterr().out
    assert (docs / "benchmark_budget_tp.md").read_text(encoding="utf-8") == rapport.texte
    maitre = rapport.donnees["chemins"]["σ²=β"]["maitre"]
    assert maitre["graines"] == [1, 2, 3] and maitre["confiants"]["moyenne"] == pytest.approx((0.61 + 0.62 + 0.5) / 3)
    assert rapport.donnees["chemins"]["σ²=β"]["t20"]["graines"] == [1]
    assert "GRAINES=1,2,3" in rapport.texte and "VARIANTES=maitre,t20" in rapport.texte


def test_publication_compte_les_graines_publiees_et_nouvelles_ensemble(tmp_path, capsys):
    """Au budget du banc (3 graines exigées), une 1re graine de t20 ne publie rien : docs/ reste tel quel."""
    docs, campagne = tmp_path / "docs", tmp_path / "build"
    runs = docs / "benchmark_runs"
    for v, g in ((v, g) for v in ("maitre", "plongement") for g in (1, 2)):
        P.ecrire_execution(runs, execution(v, g, 0.4))
    P.ecrire_execution(campagne, execution("plongement", 3, 0.45))
    P.ecrire_execution(campagne, execution("t20", 1, 0.5))
    assert _publier(campagne, docs, nom="benchmark") is None
    assert "docs/ non modifié : il faut au moins 3 graine(s)" in capsys.readouterr().out
    assert not (docs / "benchmark.md").exists() and len(list(runs.iterdir())) == 4
    P.ecrire_execution(campagne, execution("maitre", 3, 0.42))  # maitre et plongement ont 3 graines
    assert _publier(campagne, docs, nom="benchmark") is not None
    assert len(list(runs.iterdir())) == 7 and "`t20`" in (docs / "benchmark.md").read_text(encoding="utf-8")


def test_meilleur_chemin_parmi_ceux_mesures_sur_toutes_les_graines(tmp_path):
    def avec(e, chemins):
        e["chemins"].update({c: {**e["chemins"]["σ²=β"], "confiants": v} for c, v in chemins.items()})
        return e
    for g in (1, 2, 3):  # « EMA 0,99 » : ajouté en cours de campagne, mesuré sur la graine 3 seulement
        P.ecrire_execution(tmp_path, avec(execution("maitre", g, 0.40), {"σ²=β̃": 0.45, **({"EMA 0,99, σ²=β̃": 0.9}
                                                                                          if g == 3 else {})}))
    R = RAP.construire(P.lire_executions(tmp_path), None, commande="make benchmark", variantes=V.VARIANTES,
                       reference="maitre", chemins=["σ²=β", "σ²=β̃", "EMA 0,99, σ²=β̃"])
    chemin, g = RAP.meilleur_chemin(R, "maitre")
    assert chemin == "σ²=β̃" and abs(g["confiants"]["moyenne"] - 0.45) < 1e-9
    assert RAP.meilleur_chemin(R, "plongement") == (None, None)


def test_variantes_en_t_gardent_alpha_barre_final():
    """T = 20 ou 50 (banc seulement) : β rééchelonnés, même ᾱ_T que le maître ; T = 10 : inchangés.
    Une variante en T a sa propre empreinte, sans changer celle des autres (cache réutilisé)."""
    import numpy as np

    beta = np.concatenate([[0.0], np.linspace(0.1, 0.8, 10)])
    assert np.allclose(V.beta_reechelonne(beta, 10), beta)
    for T in (20, 50):
        b = V.beta_reechelonne(beta, T)
        assert b.shape == (T + 1,) and b[0] == 0 and np.all(np.diff(b[1:]) > 0) and np.all(b[1:] < 1)
        assert np.isclose(np.prod(1 - b[1:]), np.prod(1 - beta[1:]))
    assert V.VARIANTES["t20"].T == 20 and V.VARIANTES["t50"].T == 50 and V.VARIANTES["maitre"].T is None
