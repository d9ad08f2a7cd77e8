"""Rapport du banc d'essai (docs/benchmark.md) à partir des exécutions en cache : moyenne ±
écart-type sur les graines, verdicts contre la référence, coût d'une itération. Sans
TensorFlow : se régénère en une seconde (``benchmark.py --rapport-seulement``)."""
import time
from dataclasses import asdict

import protocole as P

CHEMIN_DEFAUT = "σ²=β"                 # algorithme 2 tel que les étudiants l'écrivent
PAS_TP = 37_500                        # 20 epochs de 60 000 images, lots de 32
T4_FLOPS, T4_UTILISATION, T4_SURCOUT_MS = 8.1e12, 0.15, 5.0


def commande_make(noms, graines, valeurs, defauts, cible="benchmark"):
    """La commande make équivalente (paramètres non par défaut seulement)."""
    morceaux = [f"make {cible}"]
    if noms:
        morceaux.append(f"VARIANTES={','.join(noms)}")
    morceaux.append(f"GRAINES={graines}")
    for cle, var in (("epochs", "EPOCHS"), ("n_images", "N_IMAGES"), ("n_samples", "SAMPLES")):
        if cle == "epochs" and cible != "benchmark":
            continue  # make benchmark-budget-tp calcule les epochs
        if valeurs[cle] != defauts[cle]:
            morceaux.append(f"{var}={valeurs[cle]}")
    return " ".join(morceaux)


def pas_du_budget(budget):
    """Itérations d'entraînement d'une exécution (lots de 32)."""
    return budget["epochs"] * (budget.get("n_train", budget["n_images"]) // 32)


def budget_etudiants(budget):
    """Vrai pour le budget d'un étudiant (~37 500 itérations), pas celui du banc (3 120)."""
    return bool(budget) and pas_du_budget(budget) >= 0.9 * PAS_TP


def graines_minimum(executions):
    """Graines exigées pour publier : 3, mais 1 au budget des étudiants (de 33 min à près de
    3 h par exécution sur 2 cœurs ; avec une seule graine, ce rapport dit « n = 1 » dans chaque case)."""
    return 1 if executions and budget_etudiants(executions[0]["cle"]["budget"]) else 3


def assez_de_graines(executions, graines=3, variantes=2):
    par_variante = {}
    for e in executions:
        par_variante.setdefault(e["variante"], set()).add(e["graine"])
    return sum(len(g) >= graines for g in par_variante.values()) >= variantes


# ----------------------------------------------------------------------------- données du rapport
def _serialiser(groupes):
    return {v: {k: ([asdict(r) for r in x] if k == "histogramme" else x if k in ("graines", "valeurs") else asdict(x))
                for k, x in g.items()} for v, g in groupes.items()}


def _verdicts(groupes, reference):
    ref = groupes.get(reference)
    if ref is None:
        return {}
    return {v: {m: P.verdict(g[m], ref[m], sens) for m, sens in P.MESURES.items() if m in g and m in ref}
            for v, g in groupes.items() if v != reference}


def juges_des_executions(executions):
    """Les versions du juge qui ont noté ces exécutions : même graine et même code, mais son
    entraînement n'est pas reproductible d'une machine à l'autre (noyaux de calcul du CPU) ;
    deux versions se distinguent par leur précision et leur plancher réel contre réel."""
    versions = {}
    for e in sorted(executions, key=lambda e: e["date"]):
        j = e["contexte"]["juge"]
        cle = (round(j["precision"], 4), round(j["fd_reel"], 3), round(j["confiants_reel"], 3))
        versions.setdefault(cle, {"precision": j["precision"], "fd_reel": j["fd_reel"],
                                  "confiants_reel": j["confiants_reel"], "executions": []})
        versions[cle]["executions"].append(P.nom_fichier(e["variante"], e["graine"]))
    return list(versions.values())


def construire(lecture, vitesse, *, commande, variantes, reference, chemins, nom="benchmark"):
    """Toutes les valeurs du rapport (JSON) à partir des exécutions lues."""
    ex = lecture.executions
    dates = sorted(e["date"] for e in ex)
    R = {"commande": commande, "nom": nom, "date": time.strftime("%Y-%m-%d %H:%M"),
         "periode": [dates[0], dates[-1]] if dates else None,
         "budget": ex[0]["cle"]["budget"] if ex else None,
         "contexte": max(ex, key=lambda e: e["date"])["contexte"] if ex else None,
         "reference": reference, "ignorees": lecture.ignorees, "chemins": {}, "verdicts": {},
         "variantes": {}, "vitesse": vitesse,
         "juges": juges_des_executions(ex),
         "echantillons": {P.nom_fichier(e["variante"], e["graine"]):
                          {"date": e["date"], "fichiers": e.get("echantillons", {})}
                          for e in sorted(ex, key=lambda e: (e["variante"], e["graine"]))}}
    for nom in variantes:
        mes = [e for e in ex if e["variante"] == nom]
        if mes:
            R["variantes"][nom] = {
                "description": variantes[nom].description, "conditionnel": variantes[nom].conditionnel,
                "T": variantes[nom].T,
                "graines": sorted(e["graine"] for e in mes),
                "perte_finale": asdict(P.resumer(e["entrainement"]["perte"][-1] for e in mes)),
                "ms_par_pas_moyen": asdict(P.resumer(e["entrainement"]["ms_par_pas_moyen"] for e in mes))}
    for chemin in chemins:
        groupes = P.regrouper(ex, chemin)
        R["chemins"][chemin] = _serialiser(groupes)
        R["verdicts"][chemin] = _verdicts(groupes, reference)
    return R


# ----------------------------------------------------------------------------- Markdown
def _r(d):
    return P.Resume(**d)


def _pct(d):
    return P.pourcent(_r(d))


def _memes_juges(R):
    juges = R.get("juges") or []
    if len(juges) <= 1:
        return "le même pour toutes les exécutions, graine fixe"
    versions = " ; ".join(
        f"précision {100 * j['precision']:.2f} %, FD réel {j['fd_reel']:.2f} : "
        + ", ".join(f"`{x}`" for x in j["executions"]) for j in juges)
    return (f"graine fixe et même code, mais réentraîné sur chaque machine, il n'en sort pas "
            f"exactement le même : {len(juges)} versions ont noté ces exécutions ({versions}) ; "
            "ci-après, celle de la plus récente")


def entete(R):
    b, c = R["budget"], R["contexte"]
    j = c["juge"]
    periode = f"du {R['periode'][0]} au {R['periode'][1]}" if R["periode"] else "aucune"
    nom = R.get("nom", "benchmark")
    runs = f"docs/{nom}_runs"
    options = "" if nom == "benchmark" else f" --nom {nom}"
    titre = ("au budget des étudiants (37 500 itérations)" if budget_etudiants(b)
             else "variantes comparées sur plusieurs graines")
    autre = ("- Le même banc au budget du banc d'essai (3 120 itérations, plusieurs graines) : `docs/benchmark.md`."
             if budget_etudiants(b) else
             "- Le même banc au budget d'un étudiant (37 500 itérations, une graine) : `docs/benchmark_budget_tp.md`.")
    return [
        f"# Banc d'essai du TP DDPM : {titre} (issues #5, #11{', #21' if budget_etudiants(b) else ''})", "",
        (f"Produit par `{R['commande']}` ; rapport régénéré le {R['date']} à partir des JSON "
         f"d'exécution (`{runs}/`, exécutions {periode}) : "
         f"`.venv/bin/python benchmarks/benchmark.py --rapport-seulement --resultats {runs}{options}`."), "",
        (f"- Budget de chaque exécution : **{b['epochs']} epochs "
         f"sur {b.get('n_train', b['n_images'])} images, soit {pas_du_budget(b)} itérations** "
         f"(le TP complet : {PAS_TP}), lots de 32, "
         "T = 10, β linéaires 0,1 → 0,8 ; cellule d'entraînement du notebook maître (exécutée telle "
         f"quelle, ou modifiée d'une ligne vérifiée) ; {b['n_samples']} échantillons par chemin. "
         f"Données : {c['donnees']}. {c['versions']}, sur CPU."),
        (f"- Juge ({_memes_juges(R)}) : petit CNN entraîné sur "
         f"{j['n_train']} chiffres de {j['source']} ; précision {100 * j['precision']:.1f} % sur "
         f"{j['n_test']} autres chiffres réels. FD : distance de Fréchet dans ses 128 "
         f"caractéristiques contre {j['n_reference']} chiffres réels ; plancher réel contre réel "
         f"(N = {j['n_reel']}) : FD {j['fd_reel']:.1f}, confiants {100 * j['confiants_reel']:.0f} %."),
        ("- « confiants » : part des échantillons classés avec une probabilité > 0,9 ; « plus rare » : "
         "part du chiffre le moins produit. Chaque case : moyenne ± écart-type (n − 1) sur les "
         "graines de la variante (même graine = même bruit d'échantillonnage pour toutes)."),
        (f"- **Règle de décision** : contre la référence `{R['reference']}`, une différence n'est un "
         "« gain » (ou une « perte ») que si l'écart des moyennes dépasse la somme des deux "
         "écarts-types ; sinon « non significatif »."),
        autre, ""]


def table_variantes(R):
    L = ["## Variantes", "", "| variante | description | graines | perte finale |", "|---|---|---|---|"]
    for nom, v in R["variantes"].items():
        L.append(f"| `{nom}` | {v['description']} | {', '.join(map(str, v['graines']))} | "
                 f"{_r(v['perte_finale']).texte(decimales=4)} |")
    return L + [""]


def _plus_rare(g):
    h = [_r(x).moyenne for x in g["histogramme"]]
    c = min(range(10), key=h.__getitem__)
    return f"{_pct(g['classe_min'])} (en moyenne « {c} » {100 * h[c]:.1f} %)"


def table_chemin(R, chemin, conditionnel=False):
    tous = R["chemins"].get(chemin, {})
    groupes = {v: tous[v] for v in R["variantes"]  # ordre du registre, référence d'abord
               if v in tous and R["variantes"][v]["conditionnel"] == conditionnel}
    if not groupes:
        return []
    verdicts = R["verdicts"].get(chemin, {})
    tete = "| variante | n | confiants | FD | plus rare |" + (" classés comme demandé |" if conditionnel else
                                                              " verdict (confiants ; FD ; plus rare) |")
    L = [f"### Chemin « {chemin} »", "", tete, "|---" * (tete.count("|") - 1) + "|"]
    for v, g in groupes.items():
        fin = (f" {_pct(g['classes_comme_demande'])} |" if conditionnel else
               " " + " ; ".join(verdicts.get(v, {}).get(m, "référence")
                                for m in ("confiants", "fd", "classe_min")) + " |")
        L.append(f"| `{v}` | {g['confiants']['n']} | {_pct(g['confiants'])} | "
                 f"{_r(g['fd']).texte(decimales=1)} | {_plus_rare(g)} |{fin}")
    return L + [""]


def section_qualite(R):
    L = ["## Qualité des échantillons", "",
         (f"Chemin par défaut : « {CHEMIN_DEFAUT} » (algorithme 2 des étudiants). « EMA 0,999 » : "
          "poids remplacés par leur moyenne exponentielle (même entraînement, suivie par un "
          "callback, règle de `Adam(use_ema=True, ema_momentum=0.999)`) ; « EMA 0,99 » : même "
          "chose avec 0,99 (moyenne sur ~100 itérations ; à 0,999, elle couvre ~1 000 itérations, "
          "un tiers du budget du banc, et les poids initiaux y pèsent encore 0,999^3120 ≈ 4 %) ; "
          "σ²=β̃ : variance a posteriori ; « clip » : x̂₀ coupé à [−1, 1] puis moyenne a "
          "posteriori (cellule facultative du TP) ; DDIM η=0 : déterministe."), ""]
    for chemin in R["chemins"]:
        L += table_chemin(R, chemin)
    return L


def section_chiffres(R):
    groupes = R["chemins"].get(CHEMIN_DEFAUT, {})
    L = [f"## Part de chaque chiffre (chemin « {CHEMIN_DEFAUT} », %)", "",
         "| variante | " + " | ".join(map(str, range(10))) + " |", "|---" * 11 + "|"]
    for v, g in ((v, groupes[v]) for v in R["variantes"] if v in groupes):
        if R["variantes"][v]["conditionnel"]:
            continue  # un dixième de chaque chiffre est demandé : voir la conformité plus bas
        L.append(f"| `{v}` | " + " | ".join(_r(h).texte(echelle=100, decimales=1) for h in g["histogramme"]) + " |")
    return L + [""]


def section_conditionnel(R):
    L = []
    for chemin in R["chemins"]:
        L += table_chemin(R, chemin, conditionnel=True)
    if not L:
        return []
    return ["## Génération conditionnelle", "", "Un chiffre demandé par dixième des échantillons.", ""] + L


def projection_t4(flops_image):
    """Secondes pour le TP complet sur un T4 : FLOP d'une itération (passe avant + arrière ≈
    3 passes avant, lots de 32) à T4_UTILISATION de la crête fp32, plus un surcoût fixe par
    itération (lancement des noyaux, boucle Python de la séquence)."""
    par_pas = 3 * flops_image * 32 / (T4_FLOPS * T4_UTILISATION) + T4_SURCOUT_MS / 1e3
    return PAS_TP * par_pas


def section_vitesse(R, reference):
    v = R["vitesse"]
    if not v:
        return ["## Coût d'une itération", "", "Pas encore mesuré (`--vitesse`).", ""]
    ref = v["variantes"].get(reference, {}).get("fit_ms")
    ref_med = v["variantes"].get(reference, {}).get("fit_ms_mediane")
    L = ["## Coût d'une itération", "",
         (f"Mesuré le {v['date']} (charge {v['charge']:.1f}), lots de 32, {v['n_pas']} itérations, "
          f"{v['repetitions']} mesures entrelacées : meilleure (médiane) ; "
          "sous forte charge, les deux sont bruitées. « fit » : `model.fit` "
          "avec la `DiffusionSequence` du TP ; « seul » : pas compilé sur des lots déjà construits. "
          f"Projection T4 (**calculée à partir des FLOP, pas mesurée** : {T4_FLOPS / 1e12:.1f} "
          f"TFLOP/s fp32 de crête, {100 * T4_UTILISATION:.0f} % d'utilisation supposée, "
          f"+ {T4_SURCOUT_MS:.0f} ms par itération) pour les {PAS_TP} itérations du TP."), "",
         ("| variante | fit ms/itér. | × référence | seul ms/itér. | paramètres | MFLOP/image (avant) "
         "| GFLOP/itér. (≈ 3 × avant × 32) | T4 projeté | 50 images, CPU (meilleure) |"),
         "|---|---|---|---|---|---|---|---|---|"]
    for nom, m in v["variantes"].items():
        ratio = f"{m['fit_ms'] / ref:.2f} ({m['fit_ms_mediane'] / ref_med:.2f})" if ref else "—"
        L.append(f"| `{nom}` | {m['fit_ms']:.1f} ({m['fit_ms_mediane']:.1f}) | {ratio} | "
                 f"{m['modele_seul_ms']:.1f} ({m['modele_seul_ms_mediane']:.1f}) | {m['parametres']:,} | "
                 f"{m['flops_avant_image'] / 1e6:.1f} | {3 * 32 * m['flops_avant_image'] / 1e9:.1f} | "
                 f"{projection_t4(m['flops_avant_image']) / 60:.1f} min | "
                 + (f"{m['echantillonner_50_s'][2]:.2f} s |" if "echantillonner_50_s" in m else "— |"))
    return L + [""]


def _atteinte(ok):
    return "atteinte" if ok else "**non atteinte**"


def meilleur_chemin(R, nom):
    """Le meilleur chemin « pour aller plus loin » de la variante : hors chemin par défaut, la
    plus grande part de confiants en moyenne, parmi les chemins mesurés sur autant de graines
    que le chemin par défaut (un chemin ajouté en cours de campagne, sur moins de graines,
    n'est pas retenu). (nom du chemin, groupe) ou (None, None)."""
    n = (R["chemins"].get(CHEMIN_DEFAUT, {}).get(nom) or {}).get("confiants", {}).get("n", 0)
    candidats = [(chemin, g[nom]) for chemin, g in R["chemins"].items()
                 if chemin != CHEMIN_DEFAUT and nom in g and g[nom]["confiants"]["n"] >= n]
    return max(candidats, key=lambda cg: cg[1]["confiants"]["moyenne"], default=(None, None))


def lignes_cibles_variante(R, nom):
    """Cibles de l'issue #11 (moyennes sur les graines) pour une variante non conditionnelle."""
    defaut = R["chemins"].get(CHEMIN_DEFAUT, {}).get(nom)
    chemin, loin = meilleur_chemin(R, nom)
    chemin_ref, ref_loin = meilleur_chemin(R, R["reference"])
    L = []
    if defaut:
        m = _r(defaut["confiants"]).moyenne
        L.append(f"| `{nom}` | chemin par défaut ≥ 60 % confiants | {_pct(defaut['confiants'])} "
                 f"| {_atteinte(m >= 0.6)} |")
    if loin:
        m = _r(loin["confiants"]).moyenne
        L.append(f"| `{nom}` | meilleur chemin (« {chemin} ») ≥ 80 % confiants | {_pct(loin['confiants'])} "
                 f"| {_atteinte(m >= 0.8)} |")
        h = _r(loin["classe_min"]).moyenne  # le plus rare de chaque graine, en moyenne (plus strict)
        L.append(f"| `{nom}` | … chaque chiffre ≥ 5 % (part du plus rare) | {_pct(loin['classe_min'])} "
                 f"| {_atteinte(h >= 0.05)} |")
        if ref_loin and nom != R["reference"]:
            fd, fd_ref = _r(loin["fd"]).moyenne, _r(ref_loin["fd"]).moyenne
            L.append(f"| `{nom}` | … FD ≤ 2 × celle de `{R['reference']}` (« {chemin_ref} » : {fd_ref:.1f}) | "
                     f"{_r(loin['fd']).texte(decimales=1)} | {_atteinte(fd <= 2 * fd_ref)} |")
    return L


def _parts_extremes(g):
    """(plus petite, plus grande) part moyenne d'un chiffre, et leur texte « a à b % »."""
    parts = [_r(h).moyenne for h in g["histogramme"]]
    return min(parts), max(parts), f"{100 * min(parts):.1f} à {100 * max(parts):.1f} %"


def lignes_cibles_etudiants(R, nom):
    """Cibles de l'issue #11 au budget des étudiants, sur le chemin par défaut : ≥ 85 %
    confiants, chaque chiffre entre 5 et 15 %, FD au plus la moitié de celle de la référence."""
    defaut = R["chemins"].get(CHEMIN_DEFAUT, {})
    g, ref = defaut.get(nom), defaut.get(R["reference"])
    if not g:
        return []
    bas, haut, bornes = _parts_extremes(g)
    L = [f"| `{nom}` | chemin par défaut ≥ 85 % confiants | {_pct(g['confiants'])} "
         f"| {_atteinte(_r(g['confiants']).moyenne >= 0.85)} |",
         f"| `{nom}` | … chaque chiffre entre 5 et 15 % | {bornes} "
         f"| {_atteinte(bas >= 0.05 and haut <= 0.15)} |"]
    if ref and nom != R["reference"]:
        fd, fd_ref = _r(g["fd"]).moyenne, _r(ref["fd"]).moyenne
        L.append(f"| `{nom}` | … FD ≤ la moitié de celle de `{R['reference']}` ({fd_ref:.1f}) | "
                 f"{_r(g['fd']).texte(decimales=1)} | {_atteinte(fd <= fd_ref / 2)} |")
    return L


CHEMIN_EMA = "EMA 0,999, σ²=β"        # ce que donnerait Adam(use_ema=True, ema_momentum=0.999)
GRAINES_RECETTE = 3                    # issue #21 : la recette se décide sur 3 graines
CIBLES_RECETTE = {"confiants": 0.75, "fd": 15.0, "parts": (0.05, 0.15)}


def decision_recette(R):
    """Issue #21 : les poids moyennés (« EMA 0,999, σ²=β », même entraînement) deviennent la
    recette par défaut des étudiants seulement s'ils font mieux que l'algorithme 2 tel quel
    (« σ²=β ») sur la part de confiants ET sur la FD, selon la règle de décision, sur
    GRAINES_RECETTE graines au moins. (verdicts {mesure: verdict}, décision en une phrase)."""
    ref = R["reference"]
    defaut = R["chemins"].get(CHEMIN_DEFAUT, {}).get(ref)
    ema = R["chemins"].get(CHEMIN_EMA, {}).get(ref)
    if not defaut or not ema:
        return {}, "aucune décision : l'un des deux chemins n'est pas mesuré"
    verdicts = {m: P.verdict(_r(ema[m]), _r(defaut[m]), sens)
                for m, sens in P.MESURES.items() if m in ema and m in defaut}
    n = min(_r(ema["confiants"]).n, _r(defaut["confiants"]).n)
    if n < GRAINES_RECETTE:
        return verdicts, (f"pas encore : {n} graine{'s' if n > 1 else ''} sur les {GRAINES_RECETTE} "
                          "exigées ; recette inchangée en attendant")
    if verdicts.get("confiants") == "gain" and verdicts.get("fd") == "gain":
        return verdicts, ("les poids moyennés gagnent sur la part de confiants et sur la FD : "
                          "`use_ema` devient la recette par défaut")
    return verdicts, (f"les poids moyennés ne gagnent pas sur les deux mesures (confiants : "
                      f"{verdicts.get('confiants')} ; FD : {verdicts.get('fd')}) : recette inchangée")


def section_recette(R):
    """Issue #21, au budget des étudiants : la décision sur la recette, puis ses cibles sur le
    chemin par défaut (moyenne sur les graines de la référence)."""
    if not budget_etudiants(R["budget"]):
        return []
    ref = R["reference"]
    defaut = R["chemins"].get(CHEMIN_DEFAUT, {}).get(ref)
    if not defaut:
        return []
    verdicts, decision = decision_recette(R)
    L = ["## Recette des étudiants (issue #21)", "",
         (f"Règle de l'issue : les poids moyennés (« {CHEMIN_EMA} » : le même entraînement, moyenne "
          "suivie selon la règle de `Adam(use_ema=True, ema_momentum=0.999)`) remplacent l'algorithme 2 "
          f"tel quel (« {CHEMIN_DEFAUT} ») comme recette par défaut seulement s'ils sont un « gain » sur "
          f"la part de confiants et sur la FD, sur {GRAINES_RECETTE} graines au moins."), ""]
    if verdicts:
        ema = R["chemins"][CHEMIN_EMA][ref]
        L += ["| chemin de `" + ref + "` | graines | confiants | FD | plus rare | verdict contre « "
              + CHEMIN_DEFAUT + " » (confiants ; FD ; plus rare) |", "|---|---|---|---|---|---|"]
        contre = " ; ".join(verdicts.get(m, "—") for m in ("confiants", "fd", "classe_min"))
        for chemin, g, v in ((CHEMIN_DEFAUT, defaut, "référence"), (CHEMIN_EMA, ema, contre)):
            L.append(f"| « {chemin} » | {', '.join(map(str, g['graines']))} | {_pct(g['confiants'])} | "
                     f"{_r(g['fd']).texte(decimales=1)} | {_pct(g['classe_min'])} | {v} |")
        L.append("")
    L += [f"**Décision** : {decision}.", "",
          f"Cibles de l'issue #21 (chemin « {CHEMIN_DEFAUT} », moyenne sur les graines, "
          f"{GRAINES_RECETTE} exigées) :", "", "| cible | mesuré | graines | |", "|---|---|---|---|"]
    n = _r(defaut["confiants"]).n
    graines = f"{n} sur {GRAINES_RECETTE}"
    bas, haut, bornes = _parts_extremes(defaut)
    cible_bas, cible_haut = CIBLES_RECETTE["parts"]
    for texte, mesure, ok in (
            (f"≥ {100 * CIBLES_RECETTE['confiants']:.0f} % confiants", _pct(defaut["confiants"]),
             _r(defaut["confiants"]).moyenne >= CIBLES_RECETTE["confiants"]),
            (f"FD ≤ {CIBLES_RECETTE['fd']:.0f}", _r(defaut["fd"]).texte(decimales=1),
             _r(defaut["fd"]).moyenne <= CIBLES_RECETTE["fd"]),
            (f"chaque chiffre entre {100 * cible_bas:.0f} et {100 * cible_haut:.0f} %", bornes,
             bas >= cible_bas and haut <= cible_haut)):
        etat = _atteinte(ok) if n >= GRAINES_RECETTE else f"{_atteinte(ok)} (moins de {GRAINES_RECETTE} graines)"
        L.append(f"| {texte} | {mesure} | {graines} | {etat} |")
    return L + [""]


def section_cibles(R):
    etudiants = budget_etudiants(R["budget"])
    L = [f"## Cibles de l'issue #11 {'au budget des étudiants ' if etudiants else ''}(moyenne sur les graines)",
         "", "| variante | cible | mesuré | |", "|---|---|---|---|"]
    for nom, v in R["variantes"].items():
        if etudiants:
            L += [] if v["conditionnel"] else lignes_cibles_etudiants(R, nom)
        elif v["conditionnel"]:
            for chemin, groupes in R["chemins"].items():
                g = groupes.get(nom)
                if g and "classes_comme_demande" in g:
                    m = _r(g["classes_comme_demande"]).moyenne
                    L.append(f"| `{nom}` | « {chemin} » ≥ 90 % classés comme demandé | "
                             f"{_pct(g['classes_comme_demande'])} | {_atteinte(m >= 0.9)} |")
        else:
            L += lignes_cibles_variante(R, nom)
    vit = {} if etudiants else (R["vitesse"] or {}).get("variantes", {})
    ref = vit.get(R["reference"], {}).get("fit_ms")
    for nom, m in vit.items():
        if ref and nom != R["reference"]:
            L.append(f"| `{nom}` | ms par itération ≤ 1,5 × `{R['reference']}` | {m['fit_ms'] / ref:.2f} × | "
                     f"{_atteinte(m['fit_ms'] <= 1.5 * ref)} |")
        t4 = projection_t4(m["flops_avant_image"]) / 60
        L.append(f"| `{nom}` | TP complet sur T4 ≤ 15 min (projection) | {t4:.1f} min | {_atteinte(t4 <= 15)} |")
    return L + [""]


def _situer(valeur, graines, mesure):
    """Une mesure à une seule graine, située par rapport à CHAQUE graine de la référence
    (sens de la mesure : P.MESURES)."""
    sens = P.MESURES[mesure]
    if valeur * sens > max(g * sens for g in graines):
        return "mieux que chaque graine"
    if valeur * sens < min(g * sens for g in graines):
        return "moins bien que chaque graine"
    return "dans leur étendue"


def section_nombre_d_etapes(R):
    """Issue #21 : ce que coûte T = 10. Les variantes qui ne changent que T (β rééchelonnés pour
    garder ᾱ_T), contre la référence, sur le chemin par défaut et le meilleur de la référence ;
    avec 2 graines ou plus, le verdict de la règle ; avec une seule, où elle tombe par rapport
    à chacune des graines de la référence (pas un verdict)."""
    ref = R["reference"]
    en_t = [v for v, d in R["variantes"].items() if d.get("T")]
    if not en_t or ref not in R["variantes"]:
        return []
    L = ["## Nombre d'étapes T (issue #21)", "",
         (("La variante " if len(en_t) == 1 else "Les variantes ") + ", ".join(f"`{v}`" for v in en_t)
          + (" ne change" if len(en_t) == 1 else " ne changent") + " que T (β linéaires rééchelonnés "
          f"pour garder le même ᾱ_T) ; `{ref}` a T = 10, comme les exercices. Une variante à 2 graines ou "
          "plus reçoit le verdict de la règle de décision ; à une seule graine, chaque mesure est seulement "
          f"située par rapport à chacune des graines de `{ref}` (entre parenthèses : de la moins bonne à la "
          "meilleure)."), "",
         "| chemin | variante | T | graines | confiants | FD | contre `" + ref + "` (confiants ; FD) |",
         "|---|---|---|---|---|---|---|"]
    tranches = [c for c, verdicts in R["verdicts"].items()  # un gain ou une perte d'une variante en T
                if any(m.startswith(("gain", "perte")) for v in en_t for m in verdicts.get(v, {}).values())]
    for chemin in dict.fromkeys([CHEMIN_DEFAUT, meilleur_chemin(R, ref)[0]] + tranches):
        base = ((R["chemins"].get(chemin) or {}).get(ref) or {}).get("valeurs")
        if chemin is None or not base:
            continue
        etendue = {"confiants": (f" ({100 * min(base['confiants']):.1f} à {100 * max(base['confiants']):.1f} %)"),
                   "fd": f" ({max(base['fd']):.1f} à {min(base['fd']):.1f})"}
        for v in [ref] + en_t:
            g = R["chemins"][chemin].get(v)
            if not g:
                continue
            if v == ref:
                contre = "référence"
            elif g["confiants"]["n"] >= 2:
                contre = " ; ".join(R["verdicts"][chemin][v].get(m, "—") for m in ("confiants", "fd"))
            else:
                contre = (f"{_situer(g['confiants']['moyenne'], base['confiants'], 'confiants')} ; "
                          f"{_situer(g['fd']['moyenne'], base['fd'], 'fd')}")
            L.append(f"| « {chemin} » | `{v}` | {R['variantes'][v].get('T') or 10} | "
                     f"{', '.join(map(str, g['graines']))} | "
                     f"{_pct(g['confiants'])}{etendue['confiants'] if v == ref else ''} | "
                     f"{_r(g['fd']).texte(decimales=1)}{etendue['fd'] if v == ref else ''} | {contre} |")
    return L + [""]


def section_echantillons(R):
    """Les échantillons gardés de chaque exécution (issue #21), pour qu'un tiers les juge avec
    son propre classifieur ; les exécutions d'avant leur enregistrement sont dites sans."""
    executions = R.get("echantillons") or {}
    if not executions:
        return []
    runs = f"docs/{R.get('nom', 'benchmark')}_runs"
    L = ["## Échantillons publiés", "",
         (f"Pour les juger avec un autre classifieur : chaque fichier `.npy` de `{runs}/` (à côté du "
          "JSON de son exécution) contient les images d'un chemin, `uint8` de forme (n, 28, 28), "
          "0 pour le fond comme dans MNIST (`numpy.load(fichier)`), celles du chemin par défaut et "
          "celles du meilleur chemin de l'exécution."), "",
         "| exécution | date | fichiers |", "|---|---|---|"]
    for json_, e in executions.items():
        fichiers = [f"`{f}` (« {c} »)" for c, f in e["fichiers"].items()]
        L.append(f"| `{json_}` | {e['date']} | " + (", ".join(fichiers) if fichiers else
                                                     "aucun (exécution antérieure à leur enregistrement)") + " |")
    return L + [""]


def section_ignorees(R):
    if not R["ignorees"]:
        return []
    return ["## Exécutions écartées", ""] + [f"- `{n}` : {r}" for n, r in R["ignorees"]] + [""]


def markdown(R):
    if not R["variantes"]:
        return "# Banc d'essai du TP DDPM\n\nAucune exécution dans le dossier de résultats.\n"
    vitesse = [] if budget_etudiants(R["budget"]) else section_vitesse(R, R["reference"])  # dans le rapport principal
    lignes = (entete(R) + table_variantes(R) + section_qualite(R) + section_chiffres(R)
              + section_conditionnel(R) + vitesse + section_recette(R) + section_nombre_d_etapes(R)
              + section_cibles(R)
              + section_echantillons(R) + section_ignorees(R))
    return "\n".join(lignes) + "\n"
