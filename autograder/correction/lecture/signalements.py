"""Signalements : le code d'une remise qui touche à l'interpréteur ou aux bibliothèques des tests.

Comme les paires de réponses partagées (``similarites``), c'est une raison de regarder, pas un
verdict : la note, elle, ne dépend que du juge (``autograder.correction.jugement.juge``), qui ne voit que
des données. Lecture statique (``ast``), sans rien exécuter : quelques millisecondes par remise.

Sont signalés, dans les cellules que l'étudiant peut modifier (réponses, cellules ajoutées) :
l'accès à IPython (``get_ipython``, transformateurs, événements, historique ``In``/``Out``/
``_ih``…), au traceur (``sys.settrace``/``setprofile``), aux cadres d'exécution (``sys._getframe``,
``f_back``…), aux modules ``builtins``, ``gc``, ``inspect``, ``ctypes``, ``importlib``,
``exec``/``eval``/``compile``/``__import__``, et toute affectation d'un attribut de ``numpy``,
``tensorflow``, ``keras`` ou ``builtins``.
"""
from __future__ import annotations

import ast
import re
from dataclasses import asdict, dataclass

from autograder.cellules import grade_id, meta_nbgrader, source

MODULES_SURVEILLES = {"np", "numpy", "tf", "tensorflow", "keras", "builtins", "__builtins__"}
MODULES_INTERDITS = {"builtins": "le module builtins", "gc": "le ramasse-miettes (gc)",
                     "inspect": "l'introspection (inspect)", "ctypes": "ctypes",
                     "importlib": "importlib", "IPython": "IPython", "sys": None}
ATTRIBUTS = {
    "ast_transformers": "un transformateur de code IPython (ast_transformers)",
    "input_transformers_post": "un transformateur de cellules IPython (input_transformers_post)",
    "input_transformers_cleanup": "un transformateur de cellules IPython (input_transformers_cleanup)",
    "events": "les événements d'IPython (events)",
    "set_custom_exc": "le traitement des exceptions d'IPython (set_custom_exc)",
    "showtraceback": "l'affichage des erreurs d'IPython (showtraceback)",
    "run_cell": "l'exécution des cellules d'IPython (run_cell)",
    "user_ns": "l'espace de noms d'IPython (user_ns)",
    "history_manager": "l'historique d'IPython (history_manager)",
    "settrace": "le traceur de Python (settrace)",
    "setprofile": "le profileur de Python (setprofile)",
    "excepthook": "le traitement des exceptions de Python (excepthook)",
    "_getframe": "les cadres d'exécution (sys._getframe)",
    "f_back": "les cadres d'exécution (f_back)",
    "f_globals": "les cadres d'exécution (f_globals)",
    "f_locals": "les cadres d'exécution (f_locals)",
    "tb_frame": "les cadres d'exécution (tb_frame)",
    "modules": None,  # sys.modules seulement (voir _attribut)
}
NOMS = {"get_ipython": "IPython (get_ipython)", "In": "l'historique des cellules (In)",
        "Out": "l'historique des sorties (Out)", "__builtins__": "les fonctions natives (__builtins__)",
        "exec": "exec", "eval": "eval", "compile": "compile", "__import__": "__import__",
        "globals": "globals()", "setattr": None}
HISTORIQUE = re.compile(r"^_(i{1,3}|ih|oh|dh|i\d+|\d+)$")


@dataclass(frozen=True)
class Signalement:
    cellule: str
    ligne: int
    raison: str

    def texte(self) -> str:
        return f"{self.cellule}, ligne {self.ligne} : {self.raison}"


def _racine(noeud) -> str | None:
    """Nom à la racine d'une expression ``a.b.c`` (``a``), ou None."""
    while isinstance(noeud, ast.Attribute):
        noeud = noeud.value
    return noeud.id if isinstance(noeud, ast.Name) else None


def _attribut(noeud: ast.Attribute) -> str | None:
    racine = _racine(noeud)
    if noeud.attr == "modules":
        return "la table des modules (sys.modules)" if racine == "sys" else None
    if noeud.attr in ("__dict__", "__globals__", "__code__"):
        return f"l'intérieur des objets ({noeud.attr})"
    if isinstance(noeud.ctx, (ast.Store, ast.Del)) and racine in MODULES_SURVEILLES:
        return f"remplace un attribut de {racine} ({ast.unparse(noeud)})"
    return ATTRIBUTS.get(noeud.attr)


def signalements_du_code(texte: str, cellule: str) -> list[Signalement]:
    """Signalements d'un code ; une cellule illisible (erreur de syntaxe) n'en a aucun."""
    try:
        arbre = ast.parse(texte)
    except SyntaxError:
        return []
    trouves = []
    for noeud in ast.walk(arbre):
        raison = None
        if isinstance(noeud, ast.Attribute):
            raison = _attribut(noeud)
        elif isinstance(noeud, ast.Name):
            raison = NOMS.get(noeud.id) or ("l'historique d'IPython" if HISTORIQUE.match(noeud.id) else None)
            if noeud.id == "setattr":
                raison = None
        elif isinstance(noeud, ast.Call) and getattr(noeud.func, "id", None) == "setattr" and noeud.args:
            if _racine(noeud.args[0]) in MODULES_SURVEILLES:
                raison = f"remplace un attribut de {_racine(noeud.args[0])} (setattr)"
        elif isinstance(noeud, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in noeud.names] if isinstance(noeud, ast.Import) else [noeud.module or ""]
            for module in modules:
                racine = module.split(".")[0]
                if MODULES_INTERDITS.get(racine):
                    raison = f"importe {MODULES_INTERDITS[racine]}"
        if raison:
            trouves.append(Signalement(cellule, getattr(noeud, "lineno", 0), raison))
    uniques = {(s.ligne, s.raison): s for s in trouves}
    return sorted(uniques.values(), key=lambda s: (s.ligne, s.raison))


def signalements(nb) -> list[dict]:
    """Signalements des cellules de code que l'étudiant peut modifier (réponses et cellules
    ajoutées ; les cellules fournies sont restaurées depuis le maître à la correction)."""
    resultat = []
    for indice, cellule in enumerate(nb["cells"]):
        meta = meta_nbgrader(cellule)
        if cellule.get("cell_type") != "code" or meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
            continue
        nom = grade_id(cellule) or f"cellule n° {indice + 1}"
        resultat += [asdict(s) for s in signalements_du_code(source(cellule), nom)]
    return resultat
