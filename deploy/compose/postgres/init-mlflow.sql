-- MLflow's tracking store lives beside tickercast's database on the same server.
CREATE DATABASE mlflow OWNER tickercast;
