"""Préprocesseurs nbgrader de la correction (autograde et retours aux étudiants).

Chacun a une seule tâche et s'enregistre dans ``autograder/nbgrader_config.py`` ou dans
la configuration construite par ``autograder.correction.copie``.
"""
import json
import os
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Integer, Unicode

from autograder.cellules import grade_id, meta_nbgrader
from autograder.correction.sandbox import SandboxExecute


class MasquerTestsCaches(NbGraderPreprocessor):
    """Retire des retours tout ce qui trahirait un test caché (nbgrader #917, #1363).

    nbgrader remet le code des tests cachés dans le notebook corrigé, et donc dans le
    retour HTML. Ici, pour chaque cellule de vérification : les régions
    ``BEGIN/END HIDDEN TESTS`` sont retirées de la source, et la trace d'une erreur
    (qui cite les lignes fautives, cachées comprises) est réduite à son message.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        meta = meta_nbgrader(cell)
        if not meta.get("grade") or meta.get("solution"):
            return cell, resources
        nettoyeur = ClearHiddenTests(enforce_metadata=False)
        nettoyeur._remove_hidden_test_region(cell)
        if cell.cell_type == "code":
            for sortie in cell.outputs:
                if sortie.output_type == "error":
                    sortie.traceback = [f"{sortie.ename}: {sortie.evalue}"]
        return cell, resources


class LimiterSorties(NbGraderPreprocessor):
    """Plafonne le volume des sorties d'une cellule (milliers de figures, mégaoctets imprimés).

    Complète ``LimitOutput`` de nbgrader, qui ne limite que le nombre de lignes.
    """

    max_sorties = Integer(30, help="Nombre maximal de sorties gardées par cellule").tag(config=True)
    max_octets = Integer(2_000_000, help="Taille maximale des sorties d'une cellule (octets)").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not cell.outputs:
            return cell, resources
        gardees, taille, coupe = [], 0, False
        for sortie in cell.outputs:
            poids = len(json.dumps(sortie, ensure_ascii=False))
            if sortie.output_type == "error" or (len(gardees) < self.max_sorties and taille + poids <= self.max_octets):
                gardees.append(sortie)
                taille += poids if sortie.output_type != "error" else 0
            else:
                coupe = True
        if coupe:
            gardees.append(new_output("stream", name="stdout", text=(
                f"[Sorties tronquées à la correction : plus de {self.max_sorties} sorties "
                f"ou de {self.max_octets // 1_000_000} Mo dans cette cellule.]\n")))
        cell.outputs = gardees
        return cell, resources


class ExecuteSuivi(SandboxExecute):
    """``Execute`` de nbgrader, dans le bac à sable, qui note la cellule en cours d'exécution.

    Le noyau tourne dans le bac à sable de ``autograder.correction.sandbox`` (réglages :
    ``c.SandboxKernelManager``).
    Si le noyau meurt (``os._exit``, mémoire épuisée) ou ne répond plus, nbgrader abandonne
    tout le notebook ; ce fichier dit à ``autograder.correction.copie`` quelle cellule neutraliser
    avant de recommencer, pour que les autres exercices soient quand même notés.
    """

    fichier_suivi = Unicode("", help="Fichier où écrire l'indice de la cellule en cours").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if self.fichier_suivi:
            Path(self.fichier_suivi).write_text(json.dumps({
                "indice": index,
                "grade_id": grade_id(cell),
                "pid": os.getpid(),
            }))
        return super().preprocess_cell(cell, resources, index)
