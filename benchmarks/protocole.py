"""Protocole du banc d'essai sur plusieurs graines (issue #11), sans TensorFlow.

Chaque exécution (variante, graine) est un fichier JSON ``<variante>-graine<k>.json`` d'un
dossier de résultats : une campagne peut tourner en plusieurs fois et reprendre, et le rapport
se régénère à partir de tous les fichiers présents. Ici : noms de fichiers, lecture/écriture,
moyenne ± écart-type sur les graines et règle de décision « gain / non significatif ».
"""
import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Mesures comparées, et leur sens : +1 = plus grand est meilleur, -1 = plus petit est meilleur.
MESURES = {"confiants": +1, "fd": -1, "classe_min": +1, "classes_comme_demande": +1}


def nom_fichier(variante: str, graine: int) -> str:
    return f"{variante}-graine{graine}.json"


def lire_graines(texte: str) -> list[int]:
    """« 1,2,3 » -> [1, 2, 3] ; message clair sinon."""
    try:
        graines = [int(g) for g in texte.split(",") if g.strip()]
    except ValueError:
        raise ValueError(f"graines illisibles : {texte!r} (attendu : entiers séparés par des "
                         "virgules, par exemple 1,2,3)") from None
    if not graines or len(set(graines)) != len(graines):
        raise ValueError(f"graines : au moins une, sans doublon (reçu {texte!r})")
    return graines


def empreinte_texte(texte: str) -> str:
    return hashlib.sha256(texte.encode("utf-8")).hexdigest()[:16]


def ecrire_json(chemin: Path, donnees: dict) -> Path:
    """Écrit via un fichier temporaire : une interruption ne laisse jamais un JSON à moitié
    écrit (qu'une reprise prendrait pour un résultat)."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    provisoire = chemin.with_name(chemin.name + ".partiel")
    provisoire.write_text(json.dumps(donnees, indent=1, ensure_ascii=False), encoding="utf-8")
    provisoire.replace(chemin)
    return chemin


def ecrire_execution(dossier: Path, execution: dict) -> Path:
    """Écrit une exécution (clés ``variante``, ``graine``, ``cle``) dans son fichier."""
    return ecrire_json(Path(dossier) / nom_fichier(execution["variante"], execution["graine"]), execution)


def execution_faite(dossier: Path, variante: str, graine: int, cle: dict) -> bool:
    """Vrai si le résultat de (variante, graine) existe pour ce même budget et ce même code."""
    chemin = dossier / nom_fichier(variante, graine)
    if not chemin.exists():
        return False
    try:
        return json.loads(chemin.read_text(encoding="utf-8")).get("cle") == cle
    except json.JSONDecodeError:
        return False


@dataclass
class Lecture:
    executions: list          # exécutions valides (dict)
    ignorees: list            # (nom de fichier, raison)


def lire_executions(dossier: Path, budget: dict | None = None) -> Lecture:
    """Toutes les exécutions du dossier pour un même budget (``cle["budget"]``) : celui donné,
    sinon le plus fréquent. Celles d'un autre budget ou illisibles sont écartées avec leur
    raison (rien n'est supprimé)."""
    executions, ignorees = [], []
    for chemin in sorted(Path(dossier).glob("*-graine*.json")):
        try:
            e = json.loads(chemin.read_text(encoding="utf-8"))
            e["variante"], e["graine"], e["cle"]
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            ignorees.append((chemin.name, f"illisible ({type(err).__name__})"))
            continue
        executions.append(e)
    if budget is None and executions:
        frequences = Counter(json.dumps(e["cle"].get("budget"), sort_keys=True) for e in executions)
        budget = json.loads(frequences.most_common(1)[0][0])
    gardees = []
    for e in executions:
        if e["cle"].get("budget") == budget:
            gardees.append(e)
        else:
            ignorees.append((nom_fichier(e["variante"], e["graine"]), f"autre budget {e['cle'].get('budget')}"))
    return Lecture(gardees, ignorees)


@dataclass(frozen=True)
class Resume:
    """Moyenne et écart-type (corrigé, ddof = 1) d'une mesure sur n graines."""
    moyenne: float
    ecart_type: float
    n: int

    def texte(self, echelle: float = 1.0, decimales: int = 1, unite: str = "") -> str:
        m = f"{self.moyenne * echelle:.{decimales}f}"
        if self.n < 2:
            return f"{m}{unite} (n = 1)"
        return f"{m} ± {self.ecart_type * echelle:.{decimales}f}{unite}"


def resumer(valeurs) -> Resume:
    v = [float(x) for x in valeurs]
    if not v:
        raise ValueError("aucune valeur à résumer")
    m = sum(v) / len(v)
    s = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else float("nan")
    return Resume(m, s, len(v))


def verdict(candidat: Resume, reference: Resume, sens: int) -> str:
    """« gain » ou « perte » seulement si l'écart des moyennes dépasse la dispersion des
    graines (somme des deux écarts-types) ; sinon « non significatif ». Il faut au moins
    2 graines de chaque côté pour trancher."""
    if candidat.n < 2 or reference.n < 2:
        return "non significatif (moins de 2 graines)"
    ecart = (candidat.moyenne - reference.moyenne) * sens
    if abs(ecart) <= candidat.ecart_type + reference.ecart_type:
        return "non significatif"
    return "gain" if ecart > 0 else "perte"


def regrouper(executions: list, chemin: str) -> dict:
    """{variante: {mesure: Resume, "histogramme": [Resume x 10], "graines": [...],
    "valeurs": {mesure: [une par graine]}}} pour un
    chemin d'échantillonnage donné (les variantes qui ne l'ont pas sont omises)."""
    par_variante = {}
    for e in executions:
        r = e.get("chemins", {}).get(chemin)
        if r is not None:
            par_variante.setdefault(e["variante"], []).append((e["graine"], r))
    groupes = {}
    for variante, liste in par_variante.items():
        liste.sort(key=lambda gr: gr[0])
        resultats = [r for _, r in liste]
        g = {"graines": [gr for gr, _ in liste], "valeurs": {}}  # valeurs : graine par graine
        for mesure in MESURES:
            if all(mesure in r for r in resultats):
                g["valeurs"][mesure] = [r[mesure] for r in resultats]
                g[mesure] = resumer(g["valeurs"][mesure])
        g["histogramme"] = [resumer(r["histogramme"][c] for r in resultats) for c in range(10)]
        groupes[variante] = g
    return groupes


def pourcent(r: Resume) -> str:
    return r.texte(echelle=100, decimales=1, unite=" %")
