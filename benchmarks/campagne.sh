#!/bin/sh
# Campagnes du banc d'essai, par parties (à lancer depuis la racine du dépôt). Chaque ligne
# reprend ce qui manque sous build/benchmark/runs/ (ou build/benchmark-tp/runs/) : on peut
# l'interrompre et la relancer. Une seule campagne à la fois : sur 2 cœurs, deux
# entraînements simultanés (un fil chacun) vont moins vite que l'un après l'autre (deux fils).
# Sur un clone neuf, reprendre d'abord les exécutions publiées (sinon elles sont refaites) :
#   mkdir -p build/benchmark/runs build/benchmark-tp/runs
#   cp docs/benchmark_runs/*.json build/benchmark/runs/
#   cp docs/benchmark_budget_tp_runs/*.json build/benchmark-tp/runs/
#   nohup nice -n 10 sh benchmarks/campagne.sh > build/campagne.log 2>&1 &
B=".venv/bin/python benchmarks/benchmark.py"
# Issue #11 (déjà publiée dans docs/) :
#   $B --variantes maitre,plongement --graines 1,2,3,4,5
#   $B --vitesse-seulement --variantes maitre,plongement,residuel,cosinus
#   $B --variantes cosinus --graines 1,2,3
#   $B --variantes conditionnel,conditionnel-plongement --graines 1,2,3
#   $B --variantes brouillon --graines 1,2,3
#   make benchmark-budget-tp   # maitre et plongement, graine 1, ~37 500 itérations chacun
# Issue #21 : T = 20 et T = 50 sur 3 graines au budget du banc (courts), puis les graines 2
# et 3 du maître au budget des étudiants (~35 min chacune sur 2 cœurs libres), puis T = 20
# et T = 50 au budget des étudiants.
$B --variantes t20,t50 --graines 1,2,3
make benchmark-budget-tp VARIANTES=maitre GRAINES=2,3
make benchmark-budget-tp VARIANTES=t20 GRAINES=1
make benchmark-budget-tp VARIANTES=t50 GRAINES=1
echo "campagne terminée"
