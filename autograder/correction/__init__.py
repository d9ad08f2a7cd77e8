"""Correction d'une classe, une étape par sous-dossier, dans l'ordre où une remise les traverse :

1. ``lecture/`` : trouver les remises et les lire, quoi que les étudiants leur aient fait ;
2. ``execution/`` : la remise produit ses données (relevés), dans son bac à sable ;
3. ``jugement/`` : le verdict, calculé là où aucun code de l'étudiant n'a tourné ;
4. ``sorties/`` : notes, retours, rapports et Moodle pour toute la classe.

Au premier niveau, ce qui enchaîne les étapes : ``remise`` (une remise, dans son propre
dossier de cours nbgrader), ``classe`` (toute une classe en une commande), ``slurm`` (une
grande classe sur un cluster) et ``demo`` (la classe de démonstration)."""
