#!/bin/sh
# Campagne de l'issue #11, par parties (à lancer depuis la racine du dépôt). Chaque ligne
# reprend ce qui manque sous build/benchmark/runs/ : on peut l'interrompre et la relancer.
#   nohup nice -n 10 sh benchmarks/campagne.sh > build/campagne.log 2>&1 &
B=".venv/bin/python benchmarks/benchmark.py"
$B --variantes maitre,plongement --graines 1,2,3
$B --vitesse-seulement --variantes maitre,plongement,residuel,cosinus
$B --variantes residuel,cosinus --graines 1,2,3
$B --variantes conditionnel,conditionnel-plongement --graines 1,2,3
$B --variantes maitre,plongement,residuel,cosinus --graines 4,5
$B --variantes brouillon --graines 1,2,3
echo "campagne terminée"
